import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// rlimits act per process: when a child of the sandbox's init (the usual
/// case: a shell running a command) hits one, the kernel kills that child,
/// not the init. The result must still report the limit as hit, or the
/// caller sees an ordinary non-zero exit and never learns a limit ended
/// the work.
@Suite("Limits hit by a child process", .timeLimit(.minutes(1)))
struct ChildLimitTests {
    @Test func fileSizeHitByAChildIsReported() throws {
        let profile = Fixtures.profile(name: "test-child-fsize", limits: ResourceLimits(wallSeconds: 20, fileSizeBytes: 1 << 20))
        let result = try Fixtures.sh(DiskFillTests.ddTooBig.joined(separator: " ") + " 2>/dev/null; echo \"status=$?\"", profile: profile)
        // 128 + SIGXFSZ: the child was killed by the limit.
        try #require(result.stdout.text == "status=\(128 + SIGXFSZ)\n", "stdout: \(result.stdout.text)")
        #expect(result.limitsHit.contains { $0.kind == .fileSize }, "limitsHit: \(result.limitsHit.map(\.kind))")
    }

    @Test func cpuTimeHitByAChildIsReported() throws {
        let profile = Fixtures.profile(name: "test-child-cpu", limits: ResourceLimits(wallSeconds: 30, cpuSeconds: 1))
        let result = try Fixtures.sh("sh -c 'while :; do :; done'; echo \"status=$?\"", profile: profile)
        try #require(result.stdout.text == "status=\(128 + SIGXCPU)\n", "stdout: \(result.stdout.text)")
        #expect(result.limitsHit.contains { $0.kind == .cpuTime }, "limitsHit: \(result.limitsHit.map(\.kind))")
    }
}
