import Foundation

/// Sustained operations per second: `concurrency` threads, each set up once
/// by `prepare` and then running the step it returns until the deadline.
/// Threads, not tasks: every step blocks (a launch to wait for, a socket
/// round trip, a process). The first error stops every thread and is thrown.
enum Throughput {
    static func onThreads(concurrency: Int, seconds: Double,
                          prepare: @escaping @Sendable () throws -> () throws -> Void) throws -> Double {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds
        let counter = StepCounter()
        let group = DispatchGroup()
        for _ in 0..<max(1, concurrency) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let step = try prepare()
                    while DispatchTime.now().uptimeNanoseconds < deadline && counter.error == nil {
                        try step()
                        counter.add()
                    }
                } catch {
                    counter.fail(error)
                }
            }
        }
        group.wait()
        if let error = counter.error { throw error }
        return Double(counter.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The same, awaited from async code without holding a cooperative thread.
    static func onThreads(concurrency: Int, seconds: Double,
                          prepare: @escaping @Sendable () throws -> () throws -> Void) async throws -> Double {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try onThreads(concurrency: concurrency, seconds: seconds, prepare: prepare) })
            }
        }
    }
}

/// Steps counted across the throughput threads, and the first error.
private final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var steps = 0
    private var firstError: Error?
    var count: Int { lock.withLock { steps } }
    var error: Error? { lock.withLock { firstError } }
    func add() { lock.withLock { steps += 1 } }
    func fail(_ error: Error) { lock.withLock { firstError = firstError ?? error } }
}
