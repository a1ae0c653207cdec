import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// rlimits act per process: when a child of the sandbox's init (the usual
/// case: a shell running a command) hits one, the kernel kills that child.
/// These check the limit holds from inside; the engine cannot observe a
/// descendant's rlimit signal, so `limitsHit` does not list these hits (a
/// documented gap: only hits that end the command itself, or that the
/// cgroup counts, are reported).
@Suite("Limits hit by a child process", .timeLimit(.minutes(1)))
struct ChildLimitTests {
    @Test func fileSizeLimitStopsAChild() throws {
        let profile = Fixtures.profile(name: "test-child-fsize", limits: ResourceLimits(wallSeconds: 20, fileSizeBytes: 1 << 20))
        let result = try Fixtures.sh(DiskFillTests.ddTooBig.joined(separator: " ")
            + " 2>/dev/null; echo \"status=$?\"; stat -c 'size=%s' /workspace/big", profile: profile)
        // 128 + SIGXFSZ: the child was killed by the limit, and the file stopped at it.
        #expect(result.stdout.text == "status=\(128 + SIGXFSZ)\nsize=\(1 << 20)\n", "stdout: \(result.stdout.text)")
    }

    @Test func cpuTimeLimitStopsAChild() throws {
        let profile = Fixtures.profile(name: "test-child-cpu", limits: ResourceLimits(wallSeconds: 30, cpuSeconds: 1))
        let result = try Fixtures.sh("sh -c 'while :; do :; done'; echo \"status=$?\"", profile: profile)
        #expect(result.stdout.text == "status=\(128 + SIGXCPU)\n", "stdout: \(result.stdout.text)")
    }
}
