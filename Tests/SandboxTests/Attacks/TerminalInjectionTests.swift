import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// TIOCSTI pushes bytes into a terminal's input queue: run with the
/// caller's terminal, a sandbox could type commands into the caller's
/// shell. The filter refuses it with EPERM (without the filter the call
/// would fail differently, with ENOTTY on the sandbox's pipes), including
/// when the upper 32 bits of the command are set, which the kernel ignores.
@Suite("Terminal injection", .timeLimit(.minutes(3)))
struct TerminalInjectionTests {
    @Test func tiocstiIsRefusedByTheFilter() throws {
        let outcome = try AttackTool.run(["tiocsti", "tiocsti_high"], stdin: Data("x".utf8))
        #expect(outcome.line("tiocsti")?.errno == "EPERM", "TIOCSTI: \(outcome.outcome("tiocsti"))")
        #expect(outcome.line("tiocsti_high")?.errno == "EPERM", "TIOCSTI with high bits: \(outcome.outcome("tiocsti_high"))")
        // Both attempts are in the report, with the request that was refused.
        let refused = outcome.result.deniedSyscalls.filter { $0.name == "ioctl" && $0.outcome == "denied:EPERM" }
        #expect(refused.reduce(0) { $0 + $1.count } == 2, "\(outcome.result.deniedSyscalls)")
        #expect(refused.allSatisfy { $0.arguments.count > 1 && $0.arguments[1].hasSuffix("5412") }, "\(refused)")
    }

    /// Ordinary terminal and file ioctls still work: isatty's TCGETS (below
    /// TIOCSTI), FIONREAD (between TIOCSTI and TIOCLINUX) and FIONBIO
    /// (above), and none of them is reported as refused.
    @Test func ordinaryIoctlsStillWork() throws {
        let outcome = try AttackTool.sh("printf abc | python3 -c 'import fcntl, termios, array, sys, os; "
            + "b = array.array(\"i\", [0]); fcntl.ioctl(0, termios.FIONREAD, b); os.set_blocking(0, False); "
            + "print(\"fionread\", b[0], sys.stdin.isatty())'", profile: try ProfileCatalog.shipped().resolve(name: "shell"))
        #expect(outcome.result.stdout.text.contains("fionread 3 False"), "\(outcome.result.stdout.text) \(outcome.result.stderr.text)")
        #expect(!outcome.result.deniedSyscalls.contains { $0.name == "ioctl" }, "\(outcome.result.deniedSyscalls)")
    }

    /// An uncommon request (0x5430, between TIOCLINUX and the fast path's
    /// FIONBIO) reaches the listener, which lets it run without recording
    /// it: the kernel answers it (ENOTTY on a pipe, not the listener's EPERM
    /// or ENOSYS), and no ioctl is in either list of the report.
    @Test func uncommonIoctlRunsUnrecorded() throws {
        let outcome = try AttackTool.sh("printf abc | python3 -c 'import fcntl, errno\ntry:\n    fcntl.ioctl(0, 0x5430, bytes(8))\n"
            + "except OSError as e:\n    print(\"uncommon\", errno.errorcode[e.errno])'",
            profile: try ProfileCatalog.shipped().resolve(name: "shell"))
        #expect(outcome.result.stdout.text.contains("uncommon ENOTTY"), "\(outcome.result.stdout.text) \(outcome.result.stderr.text)")
        #expect(!outcome.result.deniedSyscalls.contains { $0.name == "ioctl" }, "\(outcome.result.deniedSyscalls)")
        #expect(!outcome.result.recordedSyscalls.contains { $0.name == "ioctl" }, "\(outcome.result.recordedSyscalls)")
    }

    /// The sandbox has no controlling terminal at all (setsid), so even an
    /// allowed tty ioctl has no terminal to act on.
    @Test func noControllingTerminal() throws {
        let outcome = try AttackTool.sh("cat /proc/self/stat")
        // Field 7 (tty_nr) of /proc/PID/stat; the command name in field 2 has no spaces here.
        let fields = outcome.result.stdout.text.split(separator: " ")
        #expect(fields.count > 7 && fields[6] == "0", "tty_nr: \(outcome.result.stdout.text)")
    }

    /// What the filter itself decides for each ioctl request, with the
    /// kernel as the judge: the strict profile's compiled program is loaded
    /// into a process with no listener, where a request sent to the
    /// listener fails with ENOSYS and one the filter allows reaches the
    /// kernel. The common requests stay out of the listener (the reason
    /// for the fast path); TIOCSTI and TIOCLINUX, with or without high
    /// bits, and unlisted requests go to it (which refuses the first two).
    @Test func theFilterSendsOnlyUncommonRequestsToTheListener() throws {
        let strict = try ProfileCatalog.shipped().resolve(name: "strict")
        let filter = try SeccompCompiler.compile(strict.seccomp, record: strict.record)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("filter-\(UUID().uuidString.prefix(8)).bpf").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try filter.program.write(to: URL(fileURLWithPath: file))
        let requests = ["0x5401", "0x5413", "0x541b", "0x5421", "0x5451", "0x5412", "0x541c", "0x100005412",
                        "0xffffffff0000541c", "0x5430"]
        let probe = try HostCommand.run(AttackTool.hostPath, ["filter_probe", ([file] + requests).joined(separator: ",")],
                                        stdin: .null)
        let lines = probe.stdoutText.split(separator: "\n").compactMap(AttackLine.init)
        let line = { (name: String) in lines.last { $0.name == name } }
        #expect(line("filter_probe_load")?.ok == true, "\(probe.stdoutText) \(probe.stderrText)")
        let inFilter = ["0x5401", "0x5413", "0x541b", "0x5421", "0x5451"]
        let toListener = ["0x5412", "0x541c", "0x100005412", "0xffffffff0000541c", "0x5430"]
        for request in inFilter {
            let answer = line("ioctl_" + request)
            #expect(answer != nil && answer?.errno != "ENOSYS", "\(request) went to the listener: \(answer?.raw ?? "no line")")
        }
        for request in toListener {
            #expect(line("ioctl_" + request)?.errno == "ENOSYS", "\(request): \(line("ioctl_" + request)?.raw ?? "no line")")
        }
    }
}

