import AirlockCore
import Foundation

extension ApprovalStore {
    /// Waits until the record leaves PENDING or `timeout` passes, and returns
    /// it as it then is. A record still PENDING on return means "not decided
    /// yet" (the agent gets status `pending` and may wait again); a record
    /// whose expiry passes while waiting is expired here and returned
    /// EXPIRED, which is a refusal. Decisions made in this process wake the
    /// waiter at once; others are seen on a short poll.
    public func waitForDecision(id: String, timeout: Duration) async throws -> ApprovalRecord {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let generation = feed.generation(of: id)
            let record = try await record(id: id)
            if record.state.isDecided { return record }
            let now = Date()
            if record.expiresAt <= now {
                try await expireDue(now: now)
                continue
            }
            let remaining = deadline - clock.now
            if remaining <= .zero { return record }
            try Task.checkCancellation()
            let untilExpiry = Duration.milliseconds(Int64((record.expiresAt.timeIntervalSince(now) * 1000).rounded(.up)))
            await feed.waitForChange(of: id, after: generation,
                                     upTo: min(remaining, untilExpiry, Self.waitPollInterval))
        }
    }
}
