import Foundation
@testable import Sandbox

/// What the warm pool's tests share.
///
/// Their engines keep waiting children for ten minutes, not the daemon's
/// 30 s: the full suite can leave a test's task unscheduled for longer than
/// that (both cores busy with other tests), and a child retired before the
/// test looked would fail it for the suite's load, not for the pool.
enum WarmPoolTesting {
    static func engine() -> SandboxEngine {
        SandboxEngine(options: SandboxEngine.Options(warmIdleSeconds: 600))
    }

    /// Polls `condition` until it holds or `seconds` of wall time passed
    /// (by the clock, not by a count of sleeps, which a busy suite stretches).
    static func wait(seconds: Double = 60, until condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return true
    }
}
