import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// `yes` writes forever. The parent keeps only the cap, marks the stream
/// truncated, closes its end so the writer fails (SIGPIPE or EPIPE), and
/// returns on its own, long before the wall-clock limit.
@Suite("Output flood", .timeLimit(.minutes(1)))
struct OutputFloodTests {
    @Test func floodIsTruncatedAndEndsTheRun() throws {
        let cap: UInt64 = 64 << 10
        let limits = ResourceLimits(wallSeconds: 30, outputBytes: cap)
        let profile = Fixtures.profile(name: "test-flood", limits: limits)
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/usr/bin/yes", "airlock"]), profile: profile)

        #expect(result.stdout.truncated)
        #expect(UInt64(result.stdout.text.utf8.count) == cap)
        #expect(result.stdout.totalBytes > cap)
        #expect(result.limitsHit.contains { $0.kind == .outputBytes })
        // It ended because the pipe closed, not because time ran out.
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
    }

    @Test func stderrFloodIsCappedToo() throws {
        let cap: UInt64 = 16 << 10
        let profile = Fixtures.profile(name: "test-flood-err", limits: ResourceLimits(wallSeconds: 30, outputBytes: cap))
        let result = try Fixtures.sh("yes airlock >&2", profile: profile)
        #expect(result.stderr.truncated)
        #expect(UInt64(result.stderr.text.utf8.count) == cap)
        #expect(result.limitsHit.contains { $0.kind == .outputBytes })
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
    }
}
