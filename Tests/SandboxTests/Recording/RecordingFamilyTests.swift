import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Recording names what a sandbox changed and ran; a legacy or newer entry
/// point for the same act must not hide it. The shipped profiles record
/// openat, unlinkat, renameat2 and truncate: the whole family of each is
/// recorded, and an execveat on a bare descriptor names the file it ran.
@Suite("Recording families", .timeLimit(.minutes(3)))
struct RecordingFamilyTests {
    @Test func everyEntryPointForAWriteIsRecorded() throws {
        let strict = try ProfileCatalog.shipped().resolve(name: "strict")
        let outcome = try AttackTool.run(["write_variants", "/workspace"], profile: strict)
        for attack in ["variant_open", "variant_creat", "variant_openat2", "variant_rename", "variant_unlink", "variant_truncate"] {
            #expect(outcome.line(attack)?.ok == true, "\(attack): \(outcome.outcome(attack))")
        }
        let recorded = outcome.result.recordedSyscalls
        let expected: [(String, String)] = [
            ("open", "/workspace/variant-open"), ("creat", "/workspace/variant-creat"),
            ("openat2", "/workspace/variant-openat2"),
            ("rename", "/workspace/variant-open -> /workspace/variant-renamed"),
            ("unlink", "/workspace/variant-creat"), ("truncate", "/workspace/variant-renamed"),
        ]
        for (name, path) in expected {
            #expect(recorded.contains { $0.name == name && $0.path == path }, "\(name) \(path) missing from \(recorded.map { "\($0.name) \($0.path ?? "-")" })")
        }
    }

    @Test func anExecveatOnADescriptorNamesTheFile() throws {
        let strict = try ProfileCatalog.shipped().resolve(name: "strict")
        let outcome = try AttackTool.run(["execveat_fd", "/usr/bin/true"], profile: strict)
        #expect(outcome.result.exitCode == 0, "\(outcome.result.stdout.text) \(outcome.result.stderr.text)")
        let execs = outcome.result.recordedSyscalls.filter { $0.name == "execveat" }
        #expect(execs.contains { ($0.path ?? "").hasSuffix("/usr/bin/true") }, "\(execs.map { $0.path ?? "-" })")
    }
}
