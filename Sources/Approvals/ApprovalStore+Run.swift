import AirlockCore
import Foundation
import GRDB

/// Moves after APPROVED: claim (→ RUNNING), finish (→ DONE | FAILED), and
/// recovery after a restart (RUNNING → FAILED).
///
/// Claim and finish produce no audit event here: the executor audits
/// `run.started` / `run.finished` with the run's own details. Recovery does,
/// because no executor is left to report a run lost to a restart.
extension ApprovalStore {
    /// Moves an APPROVED record to RUNNING and returns the stored action.
    /// Exactly one caller wins, however many race (threads, processes, a
    /// restart in between); every other gets `conflict`. A PENDING, refused
    /// or already-run record is never returned.
    ///
    /// An APPROVED record past its expiry ends EXPIRED here (audited) and
    /// the claim fails with `approvalExpired`. The stored arguments are
    /// re-digested first: if they no longer match the digest the approvers
    /// saw, the record ends FAILED and nothing runs.
    public func claimForRun(id: String, now: Date = Date()) async throws -> ApprovedAction {
        let outcome: Result<ApprovedAction, AirlockError> = try await commit { db in
            let before = try Self.require(db, id)
            guard before.state == .approved else {
                throw AirlockError(.conflict,
                                   "approval \(id) is \(before.state.rawValue); only an APPROVED record runs, and only once")
            }
            guard before.expiresAt > now else {
                guard let expired = try Self.expire(db, before, now: now) else {
                    throw AirlockError(.conflict, "approval \(id) was claimed by another run")
                }
                let refusal = AirlockError(.approvalExpired, "approval \(id) was approved but not run before it expired at "
                    + "\(ApprovalTime.iso8601(before.expiresAt)); nothing ran, call again for a new approval")
                return Committed(.failure(refusal), kind: .approvalExpired, record: expired,
                                 event: ApprovalAuditEvents.expired(expired))
            }
            let call = before.request.call
            guard ToolCall.actionDigest(tool: call.tool, arguments: call.arguments) == before.actionDigest else {
                let failed = try Self.endRun(db, id: id, from: .approved, to: .failed, now: now,
                                             note: "stored action does not match its approved digest; not run")
                return Committed(.failure(AirlockError(.conflict, failed.runNote ?? "")),
                                 kind: nil, record: failed, event: nil)
            }
            try db.execute(sql: "UPDATE approval SET state = ?, run_started_at = ? WHERE id = ? AND state = ?",
                           arguments: [ApprovalState.running.rawValue, now.timeIntervalSince1970, id,
                                       ApprovalState.approved.rawValue])
            guard db.changesCount == 1 else {
                throw AirlockError(.conflict, "approval \(id) was claimed by another run")
            }
            let running = try Self.require(db, id)
            let action = ApprovedAction(approvalID: id, call: call, actionDigest: running.actionDigest,
                                        approvers: running.approvers)
            return Committed(.success(action), kind: nil, record: running, event: nil)
        }
        return try outcome.get()
    }

    /// Marks a RUNNING record DONE (or FAILED when `succeeded` is false).
    @discardableResult
    public func finishRun(id: String, succeeded: Bool, note: String? = nil,
                          now: Date = Date()) async throws -> ApprovalRecord {
        try await commit { db in
            let record = try Self.endRun(db, id: id, from: .running, to: succeeded ? .done : .failed,
                                         now: now, note: note)
            return Committed(record, kind: nil, record: record, event: nil)
        }
    }

    /// Call once when the daemon starts, before serving: a RUNNING record
    /// means the previous process died mid-run, so it ends FAILED and is
    /// never re-run silently; overdue PENDING and APPROVED records expire.
    /// APPROVED records within their expiry stay claimable once.
    public func recoverAfterRestart(now: Date = Date()) async throws -> RecoveryReport {
        let failed: [ApprovalRecord] = try await commit { db in
            let running = try ApprovalSchema.fetch(db, where: "state = ?",
                                                   arguments: [ApprovalState.running.rawValue])
            let failed = try running.map { record in
                try Self.endRun(db, id: record.id, from: .running, to: .failed, now: now,
                                note: "the daemon restarted while this action ran; it is not re-run automatically")
            }
            return Committed(failed, changes: failed.map { ApprovalChange(kind: .runFinished, record: $0) },
                             events: failed.map(ApprovalAuditEvents.runLostToRestart))
        }
        let expired = try await expireDue(now: now)
        return RecoveryReport(failedRuns: failed, expired: expired,
                              pending: try await list(states: [.pending], limit: .max),
                              approved: try await list(states: [.approved], limit: .max))
    }

    private static func endRun(_ db: Database, id: String, from: ApprovalState, to: ApprovalState, now: Date,
                               note: String?) throws -> ApprovalRecord {
        try db.execute(sql: """
            UPDATE approval SET state = ?, run_finished_at = ?, run_note = ? WHERE id = ? AND state = ?
            """, arguments: [to.rawValue, now.timeIntervalSince1970, note, id, from.rawValue])
        let changed = db.changesCount == 1
        let record = try require(db, id)
        guard changed else {
            throw AirlockError(.conflict, "approval \(id) is \(record.state.rawValue), not \(from.rawValue)")
        }
        return record
    }
}
