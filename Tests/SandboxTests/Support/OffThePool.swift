import Foundation

/// Runs blocking work (a host command waited for) on a thread of its own
/// and awaits it. Swift concurrency's pool has a thread per core (two
/// here): tests that block them for seconds stall every other test of the
/// run, and a run whose launch needs the pool (SandboxInFlight) can miss
/// its time limit waiting for one.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
