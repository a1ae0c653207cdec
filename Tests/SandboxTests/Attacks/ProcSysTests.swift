import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// /proc/sys holds host-wide kernel knobs, /proc/sysrq-trigger reboots or
/// crashes the host. The sandbox's fresh /proc keeps them read-only: not
/// even opening them for write may succeed, and the refusal must be the
/// read-only mount's (EROFS). The sandbox user (uid 1000 inside) is not
/// root, so EACCES would come from file permissions alone and prove
/// nothing about the mount. Host values are checked after.
@Suite("Writing /proc/sys", .timeLimit(.minutes(3)))
struct ProcSysTests {
    static let knobs = ["/proc/sys/fs/lease-break-time", "/proc/sys/kernel/core_pattern", "/proc/sys/vm/overcommit_memory"]

    @Test func kernelKnobsCannotBeOpenedForWrite() throws {
        let before = Self.knobs.map { try? String(contentsOfFile: $0, encoding: .utf8) }
        // The tool opens with O_WRONLY|O_CREAT|O_TRUNC and reports the open
        // on its own line (`write_open`): a successful open is already the
        // failure.
        let targets = Self.knobs + ["/proc/sysrq-trigger", "/proc/sys/kernel/hostname"]
        let outcome = try AttackTool.run(targets.flatMap { ["write", $0] })
        let opens = outcome.lines.filter { $0.name == "write_open" }
        try #require(opens.count == targets.count, "stdout: \(outcome.result.stdout.text)")
        for (target, line) in zip(targets, opens) {
            // A kernel built without magic SysRq has no sysrq-trigger at
            // all (the sandbox shares the host's kernel): nothing to open.
            let expected = FileManager.default.fileExists(atPath: target) ? "EROFS" : "ENOENT"
            #expect(line.errno == expected, "\(target) opened for write: \(line.raw)")
        }
        let after = Self.knobs.map { try? String(contentsOfFile: $0, encoding: .utf8) }
        #expect(before == after)
    }
}
