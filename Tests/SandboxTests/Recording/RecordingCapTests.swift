import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// The recorder keeps a bounded number of distinct records. A command that
/// fills that bound with harmless recorded calls (a file opened for writing
/// under a thousand names) must not thereby hide the denied syscall it
/// makes next: denied and recorded calls are bounded separately, and a call
/// past a bound is still counted under its syscall's name.
@Suite("Recording past its bound", .timeLimit(.minutes(3)))
struct RecordingCapTests {
    @Test func aDeniedSyscallAfterAFloodOfRecordedOnesIsStillListed() throws {
        let files = SyscallRecorder.maxDistinct + 100
        let script = """
            i=0; while [ $i -lt \(files) ]; do : > /tmp/f$i; i=$((i+1)); done
            \(AttackTool.insidePath) bpf
            """
        let run = try AttackTool.sh(script)
        #expect(run.line("bpf")?.ok == false, "bpf: \(run.outcome("bpf"))")
        #expect(run.denied("bpf") != nil, "denied: \(run.result.deniedSyscalls.map(\.name))")
        let opens = run.result.recordedSyscalls.filter { $0.name == "openat" }
        #expect(opens.count <= SyscallRecorder.maxDistinct + 1)
        let omitted = try #require(run.result.syscallDetailsOmitted, "the result says some calls lost their details")
        #expect(omitted >= files - SyscallRecorder.maxDistinct)
        // Every call is counted: in full, or under its syscall's name alone.
        let nameOnly = (run.result.recordedSyscalls + run.result.deniedSyscalls).filter { $0.path == nil && $0.arguments.isEmpty }
        #expect(nameOnly.map(\.count).reduce(0, +) == omitted, "counted by name: \(nameOnly)")
        #expect(nameOnly.contains { $0.name == "openat" && $0.count >= files - SyscallRecorder.maxDistinct })
    }

    @Test func aRunWithinTheBoundOmitsNothing() throws {
        let run = try AttackTool.sh("echo hi > /tmp/a; \(AttackTool.insidePath) bpf")
        #expect(run.denied("bpf") != nil)
        #expect(run.result.syscallDetailsOmitted == nil)
    }
}
