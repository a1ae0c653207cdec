import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// A seccomp filter written for x86_64 numbers means nothing to a syscall
/// made through the 32-bit `int 0x80` gate (different numbering) or the x32
/// ABI (bit 30 set): the filter must check the architecture first and kill
/// the sandbox, naming the syscall, rather than let it run.
@Suite("Foreign architecture syscalls", .timeLimit(.minutes(3)))
struct ForeignArchitectureTests {
    @Test func int80IsKilledAndNamed() throws {
        try HostRequirement.require(Self.hostHasIA32Emulation, "this kernel has no 32-bit syscall emulation (int 0x80)")
        let outcome = try AttackTool.run(["int80", "ids"])
        #expect(outcome.line("int80") == nil, "int 0x80 returned inside the sandbox: \(outcome.outcome("int80"))")
        #expect(outcome.line("ids") == nil, "the sandbox ran on after int 0x80")
        #expect(outcome.result.killedBySyscall == "x86:getpid")
        #expect(outcome.result.signal == SIGKILL)
        #expect(outcome.result.termination == .signaled)
    }

    /// A 32-bit creat(2) into a writable bind: killed before it ran, so the
    /// file never appears on the host.
    @Test func int80CreatLeavesNoFileOnTheHost() throws {
        try HostRequirement.require(Self.hostHasIA32Emulation, "this kernel has no 32-bit syscall emulation (int 0x80)")
        let host = try HostTemp("int80")
        defer { host.remove() }
        try host.makeWritableBySandbox()
        let outcome = try AttackTool.run(["write", "/out/control", "int80_creat", "/out/int80-was-here"],
                                         extraWritable: [BindMount(source: host.path, destination: "/out")])
        #expect(host.exists("control"), "control write failed: \(outcome.outcome("write"))")
        #expect(!host.exists("int80-was-here"), "the 32-bit creat ran")
        #expect(outcome.line("int80_creat") == nil)
        #expect(outcome.result.killedBySyscall == "x86:creat")
    }

    @Test func x32IsKilledAndNamed() throws {
        let outcome = try AttackTool.run(["x32", "ids"])
        #expect(outcome.line("x32") == nil, "x32 syscall returned inside the sandbox: \(outcome.outcome("x32"))")
        #expect(outcome.line("ids") == nil, "the sandbox ran on after the x32 syscall")
        #expect(outcome.result.killedBySyscall == "x32:getpid")
        #expect(outcome.result.signal == SIGKILL)
    }

    /// Whether `int 0x80` works on this host at all, probed by running the
    /// tool unconfined (where it prints a getpid result) in a child process.
    static let hostHasIA32Emulation: Bool = {
        guard let probe = try? HostCommand.run(AttackTool.hostPath, ["int80"], stderr: .null) else { return false }
        let output = probe.stdoutText
        return output.contains("RESULT int80 returned=") && !output.contains("returned=-")
    }()
}
