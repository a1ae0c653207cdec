import Dispatch
import Foundation

/// SIGTERM and SIGINT as an awaitable event. The default handlers are
/// replaced so that the daemon gets to stop accepting, drain its calls and
/// kill their sandboxes instead of dying with children still running.
enum ShutdownSignals {
    static func next() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let once = OnceResumer(continuation)
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.resume(number) }
                source.resume()
                once.retain(source)
            }
        }
    }
}

/// Resumes a continuation exactly once and keeps the signal sources alive
/// until then.
private final class OnceResumer: @unchecked Sendable {
    // Guarded by `lock`.
    private var continuation: CheckedContinuation<Int32, Never>?
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()

    init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }

    func retain(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }

    func resume(_ number: Int32) {
        let pending: CheckedContinuation<Int32, Never>? = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: number)
    }
}
