import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Host processes must be invisible and untouchable. The victim is a host
/// `sleep` running as the very host uid the sandbox maps to (nobody), so an
/// ordinary permission check would *not* stop a signal or ptrace; only the
/// pid namespace, Landlock's signal scoping and seccomp do.
@Suite("Seeing and signalling host processes", .timeLimit(.minutes(3)))
struct HostProcessTests {
    @Test func sandboxSeesOnlyItsOwnProcesses() throws {
        let victim = try HostVictim()
        defer { victim.stop() }
        let outcome = try AttackTool.run(["procs", "read", "/proc/\(victim.pid)/cmdline"])
        // The tool is the namespace's init, and alone in it.
        #expect(outcome.line("procs")?.fields["list"] == "1", "\(outcome.outcome("procs")): \(outcome.line("procs")?.raw ?? "")")
        #expect(outcome.line("read")?.ok == false, "host pid \(victim.pid) visible: \(outcome.outcome("read"))")
    }

    /// Host pids do not exist in the sandbox's pid namespace, so every
    /// kill, aimed at the victim or at everything (-1, which spares only
    /// the caller and init: the tool is init and alone), finds no target:
    /// ESRCH. ptrace is refused by the filter (EPERM) before the kernel
    /// looks for the pid. From outside: the victim is neither killed nor
    /// traced.
    @Test(arguments: [NetworkPolicy.none, .host])
    func hostProcessSurvivesKillAndPtrace(_ network: NetworkPolicy) throws {
        let victim = try HostVictim()
        defer { victim.stop() }
        let pid = String(victim.pid)
        let profile = Fixtures.profile(name: "test-victim-\(network.rawValue)", network: network)
        let outcome = try AttackTool.run(["kill", pid, "ptrace_attach", pid, "kill", "-1"], profile: profile)
        let kills = outcome.lines.filter { $0.name == "kill" }
        #expect(kills.map(\.errno) == ["ESRCH", "ESRCH"], "kill \(pid), kill -1: \(kills.map(\.raw))")
        #expect(outcome.line("ptrace_attach")?.errno == "EPERM", "ptrace_attach: \(outcome.outcome("ptrace_attach"))")
        #expect(outcome.denied("ptrace") != nil, "denied: \(outcome.result.deniedSyscalls.map(\.name))")

        #expect(victim.neverSignalledToDeath(), "the host process was killed")
        #expect(victim.isAlive, "the host process died")
        let tracer = (try? String(contentsOfFile: "/proc/\(victim.pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("TracerPid:") }
        #expect(tracer?.hasSuffix("\t0") == true, "\(tracer ?? "no status")")
    }
}
