import AirlockCore
import Foundation

/// The audit events for each state change, built in one place so every
/// event names the approval, the rule and who did what in the same fields.
enum ApprovalAuditEvents {
    static func requested(_ record: ApprovalRecord) -> AuditEvent {
        event(.approvalRequested, record, at: record.createdAt, [
            "group": .string(record.request.requirement.group),
            "threshold": .int(Int64(record.request.requirement.threshold)),
            "expires_at": .string(ApprovalTime.iso8601(record.expiresAt)),
            "policy_revision": .string(record.request.policyRevision),
            "rule_ids": .array(record.request.ruleIDs.map(JSONValue.string)),
        ])
    }

    static func reviewed(_ record: ApprovalRecord, review: ApprovalReview) -> AuditEvent {
        event(.approvalReviewed, record, at: review.at, [
            "reviewer": .string(review.person),
            "reviewer_uid": .int(Int64(review.uid)),
            "verdict": .string(review.verdict.rawValue),
            "review_reason": review.reason.map(JSONValue.string) ?? .null,
            "approvals": .int(Int64(record.approvers.count)),
            "threshold": .int(Int64(record.request.requirement.threshold)),
        ])
    }

    static func expired(_ record: ApprovalRecord) -> AuditEvent {
        event(.approvalExpired, record, at: record.decidedAt ?? Date(), [
            "expires_at": .string(ApprovalTime.iso8601(record.expiresAt)),
            "approvals": .int(Int64(record.approvers.count)),
            "threshold": .int(Int64(record.request.requirement.threshold)),
        ])
    }

    static func cancelled(_ record: ApprovalRecord) -> AuditEvent {
        event(.approvalCancelled, record, at: record.decidedAt ?? Date(), [
            "cancelled_by": record.decidedBy.map(JSONValue.string) ?? .null,
            "cancel_reason": record.decisionReason.map(JSONValue.string) ?? .null,
        ])
    }

    /// An approve or deny refused before it changed anything. `record` is
    /// nil when the id names none.
    static func reviewRefused(id: String, record: ApprovalRecord?, uid: UInt32, person: String?,
                              verdict: ApprovalReview.Verdict, error: AirlockError, at time: Date) -> AuditEvent {
        refused(.approvalReviewRefused, id: id, record: record, at: time, [
            "reviewer_uid": .int(Int64(uid)),
            "reviewer": person.map(JSONValue.string) ?? .null,
            "verdict": .string(verdict.rawValue),
            "code": .string(error.code.rawValue),
            "refusal": .string(error.message),
        ])
    }

    /// A wait or resume refused before anything ran. The actor block is the
    /// one who tried, not the requester.
    static func resumeRefused(id: String, record: ApprovalRecord?, by actor: Actor, error: AirlockError,
                              at time: Date) -> AuditEvent {
        var event = refused(.approvalResumeRefused, id: id, record: record, at: time, [
            "code": .string(error.code.rawValue),
            "refusal": .string(error.message),
            "requester": record.map { .object(["name": .string($0.requester.name), "uid": .int(Int64($0.requester.uid))]) }
                ?? .null,
        ])
        event.actor = AuditEvent.ActorInfo(actor)
        return event
    }

    /// A refusal's event: about the record's call when there is a record,
    /// about the id alone when there is none.
    private static func refused(_ kind: AuditEvent.Kind, id: String, record: ApprovalRecord?, at time: Date,
                                _ fields: [String: JSONValue]) -> AuditEvent {
        if let record { return event(kind, record, at: time, fields) }
        var fields = fields
        fields["approval_id"] = .string(id)
        return AuditEvent(time: time, kind: kind, fields: fields)
    }

    /// A run the daemon lost to a restart: no executor is left to report it,
    /// so the store does, as the run's end.
    static func runLostToRestart(_ record: ApprovalRecord) -> AuditEvent {
        event(.runFinished, record, at: record.runFinishedAt ?? Date(), [
            "status": .string("failed"),
            "error": .string(record.runNote ?? "daemon restarted during the run"),
        ])
    }

    private static func event(_ kind: AuditEvent.Kind, _ record: ApprovalRecord, at time: Date,
                              _ extra: [String: JSONValue]) -> AuditEvent {
        var fields = extra
        fields["approval_id"] = .string(record.id)
        fields["state"] = .string(record.state.rawValue)
        fields["rule_id"] = .string(record.request.requirement.ruleID)
        return AuditEvent(kind: kind, call: record.request.call, fields: fields, time: time)
    }
}
