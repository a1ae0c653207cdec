import AirlockCore
import Foundation
import GRDB

/// Moves out of PENDING: approve, deny, cancel, expire.
extension ApprovalStore {
    /// Records `approverUID`'s approval. The record becomes APPROVED when the
    /// number of distinct approving people reaches the rule's threshold.
    /// Throws `forbidden` for anyone the rules exclude (requester,
    /// on-behalf-of principal, owner, outsiders to the group),
    /// `invalidArguments` when the rule requires a reason and none is given,
    /// `conflict` for a second review by the same person or a decided record,
    /// `approvalExpired` past the expiry. Each refusal but a missing reason
    /// is audited as `approval.review_refused`.
    public func approve(id: String, approverUID: UInt32, reason: String? = nil,
                        now: Date = Date()) async throws -> ApprovalRecord {
        try await review(id: id, approverUID: approverUID, verdict: .approve, reason: reason, now: now)
    }

    /// One eligible approver's denial ends the record DENIED; the reason is
    /// what the waiting agent is told.
    public func deny(id: String, approverUID: UInt32, reason: String? = nil,
                     now: Date = Date()) async throws -> ApprovalRecord {
        try await review(id: id, approverUID: approverUID, verdict: .deny, reason: reason, now: now)
    }

    /// Withdraws a PENDING record (the agent gave up, or an admin cleans up).
    public func cancel(id: String, by who: String, reason: String? = nil,
                       now: Date = Date()) async throws -> ApprovalRecord {
        try await commit { db in
            try db.execute(sql: """
                UPDATE approval SET state = ?, decided_at = ?, decided_by = ?, decision_reason = ?
                WHERE id = ? AND state = ?
                """, arguments: [ApprovalState.cancelled.rawValue, now.timeIntervalSince1970, who, reason,
                                 id, ApprovalState.pending.rawValue])
            let changed = db.changesCount == 1
            let record = try Self.require(db, id)
            guard changed else { throw Self.notPending(record) }
            return Committed(record, kind: .approvalCancelled, record: record,
                             event: ApprovalAuditEvents.cancelled(record))
        }
    }

    /// Ends every PENDING or APPROVED record whose expiry is at or before
    /// `now` as EXPIRED (a refusal) and returns them. The daemon calls this
    /// on a timer; reviews, claims and waiters call it too, so an overdue
    /// record is never approved or run just because the timer had not fired
    /// yet.
    @discardableResult
    public func expireDue(now: Date = Date()) async throws -> [ApprovalRecord] {
        try await commit { db in
            let due = try ApprovalSchema.fetch(db, where: "state IN (?, ?) AND expires_at <= ?",
                                               arguments: [ApprovalState.pending.rawValue, ApprovalState.approved.rawValue,
                                                           now.timeIntervalSince1970])
            let expired = try due.compactMap { try Self.expire(db, $0, now: now) }
            return Committed(expired, changes: expired.map { ApprovalChange(kind: .approvalExpired, record: $0) },
                             events: expired.map(ApprovalAuditEvents.expired))
        }
    }

    /// Moves `record` (PENDING or APPROVED, as read in this transaction) to
    /// EXPIRED; nil when another writer moved it first. An approval is a
    /// right to run this action soon, not ever: an APPROVED record nobody
    /// claimed by the same deadline a pending one had expires too.
    static func expire(_ db: Database, _ record: ApprovalRecord, now: Date) throws -> ApprovalRecord? {
        let reason = record.state == .approved
            ? "approved, but not run before the approval expired"
            : "no decision before the approval expired"
        try db.execute(sql: """
            UPDATE approval SET state = ?, decided_at = ?, decided_by = 'system', decision_reason = ?
            WHERE id = ? AND state = ?
            """, arguments: [ApprovalState.expired.rawValue, now.timeIntervalSince1970, reason,
                             record.id, record.state.rawValue])
        return db.changesCount == 1 ? try require(db, record.id) : nil
    }

    /// Runs `expireDue` every `interval` until the task is cancelled. Errors
    /// are retried on the next tick: a sweep that fails leaves records
    /// PENDING or APPROVED, and every review and claim re-checks expiry itself.
    public func sweepExpired(every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            _ = try? await expireDue()
            try? await Task.sleep(for: interval)
        }
    }

    /// `recordReview`, with each refused attempt audited on its own (the
    /// refused transaction rolled back, and its events with it).
    private func review(id: String, approverUID: UInt32, verdict: ApprovalReview.Verdict, reason: String?,
                        now: Date) async throws -> ApprovalRecord {
        do {
            return try await recordReview(id: id, approverUID: approverUID, verdict: verdict, reason: reason, now: now)
        } catch let error as AirlockError where Self.auditedRefusals.contains(error.code) {
            await auditRefusedReview(id: id, uid: approverUID, verdict: verdict, error: error, now: now)
            throw error
        }
    }

    private func recordReview(id: String, approverUID: UInt32, verdict: ApprovalReview.Verdict, reason: String?,
                              now: Date) async throws -> ApprovalRecord {
        try await expireDue(now: now)
        let rules = self.rules
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let givenReason = (reason?.isEmpty ?? true) ? nil : reason
        return try await commit { db in
            let before = try Self.require(db, id)
            guard before.state == .pending else { throw Self.notPending(before) }
            let approver = try rules.reviewer(uid: approverUID, for: before)
            let requirement = before.request.requirement
            if requirement.reasonRequired, givenReason == nil {
                throw AirlockError(.invalidArguments,
                                   "rule \(requirement.ruleID) requires a reason: pass --reason TEXT")
            }
            let alreadyReviewed = AirlockError(.conflict,
                                               "\(approver.person) already reviewed approval \(id); a threshold of \(requirement.threshold) needs \(requirement.threshold) different people")
            // The same person under another spelling (a review stored before
            // the config was corrected) is still the same person.
            if before.reviews.contains(where: { ApproverRules.samePrincipal($0.person, approver.person) }) {
                throw alreadyReviewed
            }
            try db.execute(sql: """
                INSERT INTO approval_review (approval_id, person, uid, verdict, reason, at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (approval_id, person) DO NOTHING
                """, arguments: [id, approver.person, Int64(approverUID), verdict.rawValue, givenReason,
                                 now.timeIntervalSince1970])
            guard db.changesCount == 1 else { throw alreadyReviewed }
            let approvals = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM approval_review WHERE approval_id = ? AND verdict = ?
                """, arguments: [id, ApprovalReview.Verdict.approve.rawValue]) ?? 0
            let next: ApprovalState? = verdict == .deny ? .denied : (approvals >= requirement.threshold ? .approved : nil)
            if let next {
                let deciders = verdict == .deny ? approver.person : (before.approvers + [approver.person]).joined(separator: ", ")
                try db.execute(sql: """
                    UPDATE approval SET state = ?, decided_at = ?, decided_by = ?, decision_reason = ?
                    WHERE id = ? AND state = ?
                    """, arguments: [next.rawValue, now.timeIntervalSince1970, deciders, givenReason,
                                     id, ApprovalState.pending.rawValue])
                guard db.changesCount == 1 else { throw Self.notPending(try Self.require(db, id)) }
            }
            let after = try Self.require(db, id)
            let review = ApprovalReview(person: approver.person, uid: approverUID, verdict: verdict,
                                        reason: givenReason, at: now)
            return Committed(after, kind: .approvalReviewed, record: after,
                             event: ApprovalAuditEvents.reviewed(after, review: review))
        }
    }

    /// The error for acting on a record that already left PENDING.
    static func notPending(_ record: ApprovalRecord) -> AirlockError {
        switch record.state {
        case .expired:
            AirlockError(.approvalExpired, "approval \(record.id) expired at \(ApprovalTime.iso8601(record.expiresAt))")
        default:
            AirlockError(.conflict, "approval \(record.id) is already \(record.state.rawValue)")
        }
    }
}
