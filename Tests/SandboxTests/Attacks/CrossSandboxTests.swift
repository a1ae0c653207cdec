import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Two sandboxes running at the same time are two tenants: neither may
/// reach a socket the other listens on. Each gets a network namespace of
/// its own (made per launch or taken, never reused, from the engine's pool),
/// so an abstract unix name or a loopback port in one does not exist in
/// the other.
@Suite("Sandbox to sandbox", .timeLimit(.minutes(2)))
struct CrossSandboxTests {
    /// Listens on an abstract unix name and a loopback TCP port, then
    /// reports whether anyone connected within the timeout.
    static let listener = """
        import select, socket, sys
        name, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind('\\0' + name)
        unix.listen(4)
        ready = [unix]
        try:
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.bind(('127.0.0.1', port))
            tcp.listen(4)
            ready.append(tcp)
        except OSError as error:
            print('tcp-unavailable', error.errno)
        if sys.argv[4:] == ['self']:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect('\\0' + name)
        readable, _, _ = select.select(ready, [], [], timeout)
        print('accepted' if readable else 'nothing')
        """

    /// Control: the listener does notice a connection (here, its own), so
    /// "nothing" below means nothing arrived.
    @Test func listenerNoticesAConnection() throws {
        let name = "airlock-xsb-\(UUID().uuidString.prefix(8).lowercased())"
        let request = LaunchRequest(argv: ["/usr/bin/python3", "-c", Self.listener, name, "0", "5", "self"])
        let result = try Fixtures.engine.runBlocking(request, profile: Fixtures.profile(network: .loopback))
        #expect(result.stdout.text.hasSuffix("accepted\n"), "listener: \(result.stdout.text) \(result.stderr.text.suffix(300))")
    }

    @Test(arguments: [NetworkPolicy.none, .loopback])
    func concurrentSandboxesCannotReachEachOther(_ network: NetworkPolicy) async throws {
        let name = "airlock-xsb-\(UUID().uuidString.prefix(8).lowercased())"
        let port = String(Int.random(in: 20_000...39_999))
        let timeout = Token.sleepSeconds(whole: 4)  // unique, so the host can spot the listener
        let profile = Fixtures.profile(name: "test-xsb-\(network.rawValue)", network: network,
                                       limits: ResourceLimits(wallSeconds: 30))
        let listening = try await SandboxInFlight.start(["/usr/bin/python3", "-c", Self.listener, name, port, timeout],
                                                        token: timeout, profile: profile)
        // Give the listener a moment past exec to bind; if it is late, the
        // attack only fails more surely, and the listener still reports.
        try await Task.sleep(for: .milliseconds(500))
        let attack = try AttackTool.run(["unix_abstract", name, "tcp", port], profile: profile)
        let listenerResult = try await listening.task.value

        #expect(attack.line("unix_abstract")?.ok == false, "unix_abstract: \(attack.outcome("unix_abstract"))")
        #expect(attack.line("tcp")?.ok == false, "tcp: \(attack.outcome("tcp"))")
        #expect(listenerResult.stdout.text.hasSuffix("nothing\n"),
                "listener: \(listenerResult.stdout.text) \(listenerResult.stderr.text.suffix(300))")
    }
}
