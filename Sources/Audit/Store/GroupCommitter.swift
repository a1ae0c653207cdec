import AirlockCore
import Foundation

/// Group commit: appends from any number of tasks queue here; one thread
/// takes everything queued, writes it as one transaction, waits for the one
/// fsync that makes the whole batch durable, and only then resumes every
/// waiting caller. Under load, batches grow by themselves (whatever arrived
/// during the last fsync), so throughput scales with concurrency while each
/// caller still gets its own durable acknowledgement.
///
/// A plain thread, not a task: the fsync blocks, and blocking one of the
/// few cooperative-pool threads would stall the daemon's other work.
///
/// Checkpoints a batch signed are handed to `publish` once the batch is
/// durable (an anchor for a transaction that then rolled back would point
/// at records that never existed). If publishing fails, the batch's
/// callers get the error and nothing more is committed until the pending
/// checkpoints are published: a trail whose tail can no longer be anchored
/// could be cut without trace, so the store fails closed.
final class GroupCommitter: @unchecked Sendable {
    /// Unchecked: each waiter is resumed exactly once, by `commit` or by
    /// `submit` when closing; the checked kind costs an allocation per append.
    private typealias Waiter = UnsafeContinuation<SealedPosition?, any Error>

    private let writer: ChainWriter
    private let path: String
    private let publish: CheckpointPublisher?
    /// Signed but not yet published (only the committer thread touches it).
    private var unpublished: [AuditCheckpoint] = []
    /// Caps a batch so one transaction stays short and its memory bounded.
    private let maxBatch = 4096
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [(CommitRequest, Waiter)] = []
    private var closing = false
    private var finished = false

    init(writer: ChainWriter, path: String, publish: CheckpointPublisher?) {
        self.writer = writer
        self.path = path
        self.publish = publish
        let thread = Thread { [self] in run() }
        thread.name = "airlock.audit.commit"
        thread.start()
    }

    /// Queues a request and returns once it is durable (or has failed).
    func submit(_ request: CommitRequest) async throws -> SealedPosition? {
        try await withUnsafeThrowingContinuation { (waiter: Waiter) in
            condition.lock()
            if closing {
                condition.unlock()
                waiter.resume(throwing: AirlockError(.auditUnavailable, "audit store \(path) is closed"))
                return
            }
            queue.append((request, waiter))
            condition.signal()
            condition.unlock()
        }
    }

    /// Commits what is queued, refuses anything later, and stops the thread.
    func shutdown() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [(CommitRequest, Waiter)]) {
        do {
            try publishPending()
            let committed = try writer.commit(batch.map(\.0))
            unpublished += committed.checkpoints
            try publishPending()
            for (index, entry) in batch.enumerated() { entry.1.resume(returning: committed.positions[index]) }
        } catch {
            let failure = AuditUnavailable.error(error, path: path)
            for entry in batch { entry.1.resume(throwing: failure) }
        }
    }

    private func publishPending() throws {
        guard let publish else { return unpublished.removeAll() }
        while let checkpoint = unpublished.first {
            do {
                try publish(checkpoint)
            } catch {
                throw AirlockError(.auditUnavailable, "audit checkpoint \(checkpoint.seq) of \(path) was not published: "
                                   + "\(AuditUnavailable.error(error, path: path).message); refusing to record more until it is")
            }
            unpublished.removeFirst()
        }
    }
}
