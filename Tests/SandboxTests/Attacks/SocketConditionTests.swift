import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A profile's own conditions on `socket` narrow what the filter allows;
/// they must never widen it past the families Airlock permits (AF_VSOCK is
/// not partitioned by network namespaces), nor be fooled by a family with
/// high bits set, which the kernel reads as its low 32 bits. The host holds
/// a vsock port; a sandbox that got a vsock socket would bind the same port
/// and see EADDRINUSE, proof of the shared port space without contacting
/// anyone. Here it must never get as far as a socket.
@Suite("Socket conditions keep the family limit", .timeLimit(.minutes(3)))
struct SocketConditionTests {
    static func profile(_ condition: SyscallCondition) -> SandboxProfile {
        var profile = Fixtures.profile(name: "test-socket-condition", extraAllow: ["socket"])
        profile.seccomp.conditions = [condition]
        return profile
    }

    static let conditions: [SyscallCondition] = [
        // On the type: every family would pass if the rule did not name its own.
        SyscallCondition(syscall: "socket", argument: 1, op: .notEqual, value: 2),
        // On the family: AF_VSOCK (40) differs from AF_INET6 in all 64 bits.
        SyscallCondition(syscall: "socket", argument: 0, op: .notEqual, value: 10),
    ]

    @Test(arguments: conditions)
    func vsockStaysClosed(_ condition: SyscallCondition) throws {
        let listener = try? HostListener(.vsock)
        try HostRequirement.require(listener != nil, "vsock (AF_VSOCK) on the host")
        let port = try #require(listener).address
        let outcome = try AttackTool.run(["vsock_bind", port, "vsock_bind_wide", port], profile: Self.profile(condition))
        for name in ["vsock_socket", "vsock_socket_wide"] {
            #expect(outcome.line(name)?.errno == "EPERM", "\(name): \(outcome.outcome(name))")
        }
        #expect(outcome.line("vsock_bind") == nil, "the sandbox got a vsock socket and tried the host's port: \(outcome.outcome("vsock_bind"))")
        #expect(outcome.denied("socket")?.count == 2, "denied: \(outcome.result.deniedSyscalls.map(\.name))")
    }
}
