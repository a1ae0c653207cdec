import Foundation

/// Signs a checkpoint every `interval` while the store is open, so a quiet
/// trail's newest records are anchored within that time rather than only
/// after the next N events: the tail someone could cut without trace is
/// then at most one interval long. Nothing is written when nothing is new.
final class CheckpointTimer: Sendable {
    private let task: Task<Void, Never>

    /// `tick` returns false once the store is closed, which ends the timer.
    init(every interval: Duration, tick: @escaping @Sendable () async -> Bool) {
        task = Task.detached {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                guard await tick() else { return }
            }
        }
    }

    func cancel() { task.cancel() }

    deinit { task.cancel() }
}
