import AirlockCore
import Foundation

/// Audit events for attempts the store refused. A refused attempt changes
/// nothing (its transaction rolls back, or it never starts), so it is
/// written on its own, after the fact. The refusal stands whether or not
/// that write succeeds: an unrecorded refusal is still a refusal, while a
/// refusal that failed open because the audit store was down would be a
/// quieter approval.
extension ApprovalStore {
    /// The refusals worth an event: who may act (`forbidden`), on what
    /// (`notFound`), and when (`conflict`, `approvalExpired`). A missing
    /// reason or a failing store is the caller's to fix, not an attempt.
    public static let auditedRefusals: Set<AirlockError.Code> = [.forbidden, .notFound, .conflict, .approvalExpired]

    /// Records that `actor` was refused waiting on or resuming `id`.
    /// Call it only for refusals in `auditedRefusals`.
    public func auditRefusedResume(id: String, by actor: Actor, error: AirlockError, now: Date = Date()) async {
        let record = try? await record(id: id)
        await auditOnItsOwn(ApprovalAuditEvents.resumeRefused(id: id, record: record, by: actor, error: error, at: now))
    }

    /// Records that `uid`'s approve or deny of `id` was refused.
    func auditRefusedReview(id: String, uid: UInt32, verdict: ApprovalReview.Verdict, error: AirlockError,
                            now: Date) async {
        let record = try? await record(id: id)
        await auditOnItsOwn(ApprovalAuditEvents.reviewRefused(
            id: id, record: record, uid: uid, person: rules.approversByUID[uid]?.person, verdict: verdict,
            error: error, at: now))
    }

    /// Hands `event` to the sink on a Dispatch thread, as `commit` does on
    /// GRDB's writer queue: the sink may block until the event is durable,
    /// which a cooperative-pool thread must not. Failure is swallowed (see
    /// the type's comment).
    private func auditOnItsOwn(_ event: AuditEvent) async {
        let audit = self.audit
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                try? audit(event)
                continuation.resume()
            }
        }
    }
}
