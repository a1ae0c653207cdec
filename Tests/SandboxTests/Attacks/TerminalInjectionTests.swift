import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// TIOCSTI pushes bytes into a terminal's input queue: run with the
/// caller's terminal, a sandbox could type commands into the caller's
/// shell. The filter refuses it with EPERM (without the filter the call
/// would fail differently, with ENOTTY on the sandbox's pipes), including
/// when the upper 32 bits of the command are set, which the kernel ignores.
@Suite("Terminal injection", .timeLimit(.minutes(1)))
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

    /// The sandbox has no controlling terminal at all (setsid), so even an
    /// allowed tty ioctl has no terminal to act on.
    @Test func noControllingTerminal() throws {
        let outcome = try AttackTool.sh("cat /proc/self/stat")
        // Field 7 (tty_nr) of /proc/PID/stat; the command name in field 2 has no spaces here.
        let fields = outcome.result.stdout.text.split(separator: " ")
        #expect(fields.count > 7 && fields[6] == "0", "tty_nr: \(outcome.result.stdout.text)")
    }
}
