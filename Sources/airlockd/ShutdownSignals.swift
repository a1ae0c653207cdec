import Dispatch
import Foundation
import Logging

/// SIGTERM and SIGINT as an awaitable event, and SIGHUP refused. The
/// default handlers are replaced so that the daemon gets to stop
/// accepting, drain its calls and kill their sandboxes instead of dying
/// with children still running. They are installed first thing: a signal
/// that arrives while the daemon is still starting is kept, and the
/// daemon stops cleanly as soon as it is up.
///
/// SIGHUP's default action would kill the daemon with no record (and
/// logrotate scripts send it): airlockd does not reload its config, so the
/// signal is ignored and logged, saying to restart instead.
final class ShutdownSignals: @unchecked Sendable {
    // Guarded by `lock`.
    private var received: Int32?
    private var waiter: CheckedContinuation<Int32, Never>?
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()

    static func install(logger: Logger) -> ShutdownSignals {
        let signals = ShutdownSignals()
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGHUP {
                    logger.warning("SIGHUP ignored: airlockd does not reload its config; restart it to apply changes")
                } else {
                    signals.deliver(number)
                }
            }
            source.resume()
            signals.lock.withLock { signals.sources.append(source) }
        }
        return signals
    }

    /// The first SIGTERM or SIGINT, whether it came before this call or after.
    func next() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let early: Int32? = lock.withLock {
                if received == nil { waiter = continuation }
                return received
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    private func deliver(_ number: Int32) {
        let pending: CheckedContinuation<Int32, Never>? = lock.withLock {
            guard received == nil else { return nil }
            received = number
            defer { waiter = nil }
            return waiter
        }
        pending?.resume(returning: number)
    }
}
