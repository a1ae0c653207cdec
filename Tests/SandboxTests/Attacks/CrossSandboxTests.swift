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
    /// Listens on an abstract unix name and a loopback TCP port, says so by
    /// creating `ready` in the folder it is given (a writable bind the host
    /// watches), and reports whether anyone connected by the time the host
    /// creates `done` there. No guessing at how long either side takes.
    static let listener = """
        import os, select, socket, sys
        name, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
        open(folder + '/ready', 'w').close()
        seen = False
        while not seen:
            # A connection made before `done` is queued by then: one last look.
            finished = os.path.exists(folder + '/done')
            readable, _, _ = select.select(ready, [], [], 0 if finished else 0.05)
            seen = bool(readable)
            if finished:
                break
        print('accepted' if seen else 'nothing')
        """

    /// A listener running in a sandbox of its own, ready to be attacked.
    struct Listening {
        let folder: HostTemp
        let task: Task<RunResult, Error>

        /// Starts the listener with `folder` bound writable at /signal and
        /// waits (on a GCD thread, bounded) until it has created `ready`.
        static func start(name: String, port: String, profile: SandboxProfile, self connectToSelf: Bool = false) async throws -> Listening {
            let folder = try HostTemp("xsb")
            try folder.makeWritableBySandbox()
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
            let request = LaunchRequest(argv: ["/usr/bin/python3", "-c", CrossSandboxTests.listener, name, port, "/signal"]
                                            + (connectToSelf ? ["self"] : []),
                                        extraWritable: [BindMount(source: folder.path, destination: "/signal")])
            let task = Task { try await Fixtures.engine.run(request, profile: profile) }
            let ready = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let deadline = Date().addingTimeInterval(60)
                    while !folder.exists("ready") && Date() < deadline { usleep(10_000) }
                    continuation.resume(returning: folder.exists("ready"))
                }
            }
            guard ready else {
                task.cancel()
                let result = try? await task.value
                folder.remove()
                throw InFlightError(message: "the listener never became ready: \(result?.stdout.text ?? "") \(result?.stderr.text.suffix(300) ?? "")")
            }
            return Listening(folder: folder, task: task)
        }

        /// Tells the listener to report, and returns its result.
        func finish() async throws -> RunResult {
            defer { folder.remove() }
            try "".write(toFile: folder.file("done"), atomically: false, encoding: .utf8)
            return try await task.value
        }
    }

    /// Control: the listener does notice a connection (here, its own), so
    /// "nothing" below means nothing arrived.
    @Test func listenerNoticesAConnection() async throws {
        let name = "airlock-xsb-\(UUID().uuidString.prefix(8).lowercased())"
        let listening = try await Listening.start(name: name, port: "0", profile: Fixtures.profile(network: .loopback), self: true)
        let result = try await listening.finish()
        #expect(result.stdout.text.hasSuffix("accepted\n"), "listener: \(result.stdout.text) \(result.stderr.text.suffix(300))")
    }

    @Test(arguments: [NetworkPolicy.none, .loopback])
    func concurrentSandboxesCannotReachEachOther(_ network: NetworkPolicy) async throws {
        let name = "airlock-xsb-\(UUID().uuidString.prefix(8).lowercased())"
        let port = String(Int.random(in: 20_000...39_999))
        let profile = Fixtures.profile(name: "test-xsb-\(network.rawValue)", network: network,
                                       limits: ResourceLimits(wallSeconds: 60))
        let listening = try await Listening.start(name: name, port: port, profile: profile)
        let attack = try AttackTool.run(["unix_abstract", name, "tcp", port], profile: profile)
        let listenerResult = try await listening.finish()

        #expect(attack.line("unix_abstract")?.ok == false, "unix_abstract: \(attack.outcome("unix_abstract"))")
        #expect(attack.line("tcp")?.ok == false, "tcp: \(attack.outcome("tcp"))")
        #expect(listenerResult.stdout.text.hasSuffix("nothing\n"),
                "listener: \(listenerResult.stdout.text) \(listenerResult.stderr.text.suffix(300))")
    }
}
