import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Loopback listeners opened by the test on the host, attacked from inside.
/// Each test asserts the attempt failed inside *and* that the host listener
/// never saw a connection or datagram.
@Suite("Reaching host listeners", .timeLimit(.minutes(3)))
struct NetworkTests {
    static func profile(_ network: NetworkPolicy) -> SandboxProfile {
        Fixtures.profile(name: "test-net-\(network.rawValue)", network: network)
    }

    /// Control: with the host network explicitly granted the tool does reach
    /// the listener, so the refusals below are the sandbox's doing.
    @Test func hostNetworkReachesTheListener() throws {
        let listener = try HostListener(.tcp)
        let outcome = try AttackTool.run(["tcp", listener.address], profile: Self.profile(.host))
        #expect(outcome.line("tcp")?.ok == true, "tcp: \(outcome.outcome("tcp"))")
        #expect(listener.sawAnything)
    }

    @Test(arguments: [NetworkPolicy.none, .loopback])
    func tcpToHostLoopbackFails(_ network: NetworkPolicy) throws {
        let listener = try HostListener(.tcp)
        let outcome = try AttackTool.run(["tcp", listener.address], profile: Self.profile(network))
        #expect(outcome.line("tcp")?.errno != nil, "tcp: \(outcome.outcome("tcp"))")
        #expect(!listener.sawAnything, "the host listener accepted a connection from the sandbox")
    }

    /// With no network, Landlock refuses the TCP connect itself (EACCES), on
    /// top of the empty namespace; it does not get as far as routing.
    @Test func tcpAttemptIsRefusedByLandlockWithoutNetwork() throws {
        let listener = try HostListener(.tcp)
        let outcome = try AttackTool.run(["tcp", listener.address], profile: Self.profile(.none))
        try HostRequirement.require(outcome.result.manifest.landlockABI >= 4, "Landlock ABI ≥ 4 (TCP rules)")
        #expect(outcome.line("tcp")?.errno == "EACCES", "tcp: \(outcome.outcome("tcp"))")
        #expect(!listener.sawAnything)
    }

    /// Control for the UDP test below: with the host network the datagram
    /// does arrive, so the listener would see one that got out.
    @Test func hostNetworkSendsTheDatagram() throws {
        let listener = try HostListener(.udp)
        let outcome = try AttackTool.run(["udp", listener.address, "udp", listener.address], profile: Self.profile(.host))
        #expect(outcome.line("udp")?.ok == true, "udp: \(outcome.outcome("udp"))")
        let deadline = Date().addingTimeInterval(5)
        while !listener.sawAnything && Date() < deadline { usleep(20_000) }
        #expect(listener.sawAnything, "the host listener never saw the control datagram")
    }

    @Test(arguments: [NetworkPolicy.none, .loopback])
    func udpToHostLoopbackNeverArrives(_ network: NetworkPolicy) throws {
        let listener = try HostListener(.udp)
        let outcome = try AttackTool.run(["udp", listener.address, "udp", listener.address], profile: Self.profile(network))
        if network == .none {
            #expect(outcome.line("udp")?.errno != nil, "udp: \(outcome.outcome("udp"))")
        }
        // Give a datagram that did get out a moment to arrive before looking.
        usleep(100_000)
        #expect(!listener.sawAnything, "the host listener received a datagram from the sandbox")
    }

    @Test(arguments: [NetworkPolicy.none, .loopback])
    func abstractUnixSocketIsUnreachable(_ network: NetworkPolicy) throws {
        let listener = try HostListener(.abstractUnix)
        let outcome = try AttackTool.run(["unix_abstract", listener.address], profile: Self.profile(network))
        #expect(outcome.line("unix_abstract")?.errno != nil, "unix_abstract: \(outcome.outcome("unix_abstract"))")
        #expect(!listener.sawAnything)
    }

    /// Sharing the host's network namespace shares its abstract unix socket
    /// namespace too (D-Bus, X11, containerd...). Landlock ABI 6 scoping must
    /// still keep the sandbox from connecting out of its own domain.
    @Test func abstractUnixSocketIsScopedWithHostNetwork() throws {
        let listener = try HostListener(.abstractUnix)
        let outcome = try AttackTool.run(["unix_abstract", listener.address], profile: Self.profile(.host))
        try HostRequirement.require(outcome.result.manifest.landlockABI >= 6, "Landlock ABI ≥ 6 (abstract unix socket scoping)")
        #expect(outcome.line("unix_abstract")?.errno == "EPERM", "unix_abstract: \(outcome.outcome("unix_abstract"))")
        #expect(!listener.sawAnything, "the host's abstract socket accepted a connection from the sandbox")
    }

    /// vsock (AF_VSOCK) is not partitioned by network namespaces: a sandbox
    /// with `network: none` that can open one shares the VM's vsock port
    /// space and can reach the hypervisor (CID 2). The filter allows
    /// `socket` only for unix, inet, inet6 and netlink; AF_VSOCK goes to
    /// the listener, which refuses it with EAFNOSUPPORT and records it. A
    /// host without vsock support gives the same errno from the kernel,
    /// so the denied record, which only the filter writes, is what counts.
    /// Where the host has vsock, the test also holds a port and has the
    /// sandbox bind the same one: EADDRINUSE would prove the shared port
    /// space without contacting anything.
    @Test func vsockIsNotAWayAroundNetworkNone() throws {
        let listener = try? HostListener(.vsock)
        let arguments = ["vsock_socket"] + (listener.map { ["vsock_bind", $0.address] } ?? [])
        let outcome = try AttackTool.run(arguments, profile: Self.profile(.none))
        let sockets = outcome.lines.filter { $0.name == "vsock_socket" }
        #expect(sockets.count == (listener == nil ? 1 : 2), "stdout: \(outcome.result.stdout.text)")
        #expect(sockets.allSatisfy { $0.errno == "EAFNOSUPPORT" }, "socket(AF_VSOCK): \(sockets.map(\.raw))")
        let record = try #require(outcome.denied("socket"), "no denied socket record; denied: \(outcome.result.deniedSyscalls.map(\.name))")
        // The recorder names only EPERM, ENOSYS and EACCES; others by number.
        #expect(record.outcome == "denied:EAFNOSUPPORT")
        #expect(record.arguments.first == "0x\(String(HostListener.vsockFamily, radix: 16))", "first socket arguments: \(record.arguments)")
        #expect(record.count == sockets.count)
        if let listener {
            #expect(outcome.line("vsock_bind") == nil,
                    "the sandbox got as far as binding the host's vsock port \(listener.address): \(outcome.outcome("vsock_bind"))")
        }
    }
}
