import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A warm child can die while it waits (killed from outside, chosen by the
/// OOM killer). The next launch must not be handed the corpse: it is
/// dropped, and the launch runs in a live child.
@Suite("Warm children that die while waiting", .timeLimit(.minutes(2)))
struct WarmChildDeathTests {
    @Test func aLaunchSkipsAWarmChildThatDied() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        let profile = WarmLaunchTests.warmProfile
        _ = try await engine.run(LaunchRequest(argv: ["/bin/true"]), profile: profile)
        _ = try await WarmPoolTesting.wait { !engine.warmPool.waitingPIDs.isEmpty }
        let waiting = engine.warmPool.waitingPIDs
        try #require(!waiting.isEmpty, "the warm pool prepared no child within 60 s: \(engine.warmPool.status)")

        for pid in waiting { kill(pid, SIGKILL) }
        // Dead (a zombie: the pool has not reaped it) before the launch.
        func isDead(_ pid: Int32) -> Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
            return status.contains("State:\tZ")
        }
        try #require(try await WarmPoolTesting.wait { waiting.allSatisfy(isDead) })

        let result = try await engine.run(LaunchRequest(argv: ["/bin/sh", "-c", "echo alive"]), profile: profile)
        #expect(result.stdout.text == "alive\n", "stderr: \(result.stderr.text)")
        #expect(Set(engine.warmPool.waitingPIDs).isDisjoint(with: waiting), "a dead child is still offered")
    }
}
