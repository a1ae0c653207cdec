import Foundation
import Synchronization

/// Fans committed changes out to `watch` streams and wakes in-process
/// waiters. Only changes made through this process's store pass through
/// here; waiters also re-read the database on a short poll so a decision made
/// by another process on the same file is seen too.
final class ApprovalChangeFeed: Sendable {
    private struct Waiter {
        let approvalID: String
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var subscribers: [UUID: AsyncStream<ApprovalChange>.Continuation] = [:]
        var waiters: [UUID: Waiter] = [:]
        /// Bumped on every change of a record; a waiter that read generation
        /// g before looking at the database returns at once if it moved on.
        var generations: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    func subscribe() -> AsyncStream<ApprovalChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: ApprovalChange.self, bufferingPolicy: .bufferingNewest(1024))
        let token = UUID()
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: token) }
        }
        state.withLock { $0.subscribers[token] = continuation }
        return stream
    }

    func publish(_ changes: [ApprovalChange]) {
        for change in changes {
            let (subscribers, woken) = state.withLock { state -> ([AsyncStream<ApprovalChange>.Continuation], [Waiter]) in
                // A record that can no longer change needs no generation; a
                // waiter that read one sees the mismatch and re-reads.
                switch change.record.state {
                case .pending, .approved, .running: state.generations[change.record.id, default: 0] &+= 1
                case .denied, .expired, .cancelled, .done, .failed: state.generations[change.record.id] = nil
                }
                let woken = state.waiters.filter { $0.value.approvalID == change.record.id }
                for key in woken.keys { state.waiters.removeValue(forKey: key) }
                return (Array(state.subscribers.values), Array(woken.values))
            }
            for subscriber in subscribers { subscriber.yield(change) }
            for waiter in woken { waiter.continuation.resume() }
        }
    }

    func generation(of approvalID: String) -> UInt64 {
        state.withLock { $0.generations[approvalID, default: 0] }
    }

    /// Returns when `approvalID` changes after `generation`, after `limit`,
    /// or on cancellation, whichever comes first. Each waiter is resumed by
    /// exactly one party: whoever removes it from the table.
    func waitForChange(of approvalID: String, after generation: UInt64, upTo limit: Duration) async {
        let token = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyChanged = state.withLock { state -> Bool in
                    if state.generations[approvalID, default: 0] != generation { return true }
                    state.waiters[token] = Waiter(approvalID: approvalID, continuation: continuation)
                    return false
                }
                if alreadyChanged {
                    continuation.resume()
                    return
                }
                Task { [weak self] in
                    try? await Task.sleep(for: limit)
                    self?.resumeWaiter(token)
                }
            }
        } onCancel: {
            resumeWaiter(token)
        }
    }

    private func resumeWaiter(_ token: UUID) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
        waiter?.continuation.resume()
    }
}
