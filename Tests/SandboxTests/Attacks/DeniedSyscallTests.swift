import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Syscalls that hand a sandbox new kernel attack surface (io_uring, bpf,
/// keyrings, perf, userfaultfd), another process's memory (ptrace,
/// process_vm_readv), or a way out of its filesystem view and namespaces
/// (the mount API, chroot, pivot_root, unshare, setns, clone with namespace
/// flags). The shell profile does not allow any of them; each must fail
/// with EPERM inside, and the recorder must name it, so an auditor sees the
/// attempt. Several would fail with EPERM from the kernel alone (the
/// sandbox has no capabilities): the denied record is what shows the
/// filter refused them before the kernel looked.
@Suite("Denied syscalls", .timeLimit(.minutes(3)))
struct DeniedSyscallTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let command: [String]
        /// The name the recorder reports (the kernel's syscall name).
        let syscall: String
        /// The RESULT line's name (the command's, unless it takes an argument that names it).
        var line: String?
        var testDescription: String { command.joined(separator: " ") }
    }

    static let kernelSurface: [Case] = [
        Case(command: ["io_uring_setup"], syscall: "io_uring_setup"),
        Case(command: ["io_uring_enter"], syscall: "io_uring_enter"),
        Case(command: ["io_uring_register"], syscall: "io_uring_register"),
        Case(command: ["keyctl"], syscall: "keyctl"),
        Case(command: ["add_key"], syscall: "add_key"),
        Case(command: ["request_key"], syscall: "request_key"),
        Case(command: ["bpf"], syscall: "bpf"),
        Case(command: ["perf_event_open"], syscall: "perf_event_open"),
        Case(command: ["userfaultfd"], syscall: "userfaultfd"),
        Case(command: ["process_vm_readv"], syscall: "process_vm_readv"),
        Case(command: ["process_vm_writev"], syscall: "process_vm_writev"),
        Case(command: ["ptrace_traceme"], syscall: "ptrace"),
        Case(command: ["ptrace_attach", "1"], syscall: "ptrace"),
    ]

    static let escapes: [Case] = [
        Case(command: ["mount"], syscall: "mount"),
        Case(command: ["umount"], syscall: "umount2"),
        Case(command: ["chroot"], syscall: "chroot"),
        Case(command: ["pivot_root"], syscall: "pivot_root"),
        Case(command: ["open_tree"], syscall: "open_tree"),
        Case(command: ["fsopen"], syscall: "fsopen"),
        Case(command: ["fsmount"], syscall: "fsmount"),
        Case(command: ["fsconfig"], syscall: "fsconfig"),
        Case(command: ["move_mount"], syscall: "move_mount"),
        Case(command: ["fspick"], syscall: "fspick"),
        Case(command: ["mount_setattr"], syscall: "mount_setattr"),
        Case(command: ["unshare_user"], syscall: "unshare"),
        Case(command: ["setns"], syscall: "setns"),
        // clone itself is allowed; only its namespace flags are refused.
        Case(command: ["clone_newuser"], syscall: "clone"),
        Case(command: ["clone_ns", "newns"], syscall: "clone", line: "clone_newns"),
        Case(command: ["clone_ns", "newnet"], syscall: "clone", line: "clone_newnet"),
        Case(command: ["clone_ns", "newpid"], syscall: "clone", line: "clone_newpid"),
        // Every namespace flag clone(2) takes, so that dropping one from the
        // mask shows. (CLONE_NEWTIME exists only for clone3 and unshare: to
        // clone(2) its bit is part of the exit signal.)
        Case(command: ["clone_ns", "newuts"], syscall: "clone", line: "clone_newuts"),
        Case(command: ["clone_ns", "newipc"], syscall: "clone", line: "clone_newipc"),
        Case(command: ["clone_ns", "newcgroup"], syscall: "clone", line: "clone_newcgroup"),
    ]

    @Test("kernel attack surface is refused with EPERM and recorded", arguments: kernelSurface)
    func kernelSurfaceDenied(_ attack: Case) throws {
        try expectDenied(attack)
    }

    @Test("mount and namespace escapes are refused with EPERM and recorded", arguments: escapes)
    func escapeDenied(_ attack: Case) throws {
        try expectDenied(attack)
    }

    private func expectDenied(_ attack: Case) throws {
        let outcome = try AttackTool.run(attack.command)
        let name = attack.line ?? attack.command[0]
        #expect(outcome.line(name)?.errno == "EPERM", "\(name) inside the sandbox: \(outcome.outcome(name))")
        let record = try #require(outcome.denied(attack.syscall),
                                  "no denied record for \(attack.syscall); denied: \(outcome.result.deniedSyscalls.map(\.name))")
        #expect(record.outcome == "denied:EPERM")
        #expect(record.number == SyscallTable.number(of: attack.syscall))
        #expect(outcome.result.termination == .exited)
    }
}
