import AirlockCore
import Foundation

/// A durable pending record as read back from the store: the immutable
/// request plus everything that happened to it since.
public struct ApprovalRecord: Sendable, Hashable, Codable {
    public var id: String
    public var request: ApprovalRequest
    /// sha256 of the canonical tool + arguments, fixed at creation.
    public var actionDigest: String
    public var state: ApprovalState
    public var createdAt: Date
    public var expiresAt: Date
    /// Every verdict so far, oldest first, one per person.
    public var reviews: [ApprovalReview]
    /// When and by whom the record left PENDING ("system" for expiry), and why.
    public var decidedAt: Date?
    public var decidedBy: String?
    public var decisionReason: String?
    public var runStartedAt: Date?
    public var runFinishedAt: Date?
    /// Why a run ended FAILED, e.g. a restart while it was RUNNING.
    public var runNote: String?

    public var tool: String { request.call.tool }
    public var requester: Actor { request.call.actor }
    public var onBehalfOf: String? { request.call.claims.onBehalfOf }
    /// The agent's stated reason for the call (`_meta.reason`).
    public var agentReason: String? { request.call.claims.reason }
    /// What approvers and webhooks see of the claims: masked (the raw
    /// `onBehalfOf` stays for the rules of who may not approve).
    public var shownOnBehalfOf: String? { request.maskedClaims.map(\.onBehalfOf) ?? onBehalfOf }
    public var shownReason: String? { request.maskedClaims.map(\.reason) ?? agentReason }
    /// Distinct people who approved so far.
    public var approvers: [String] { reviews.filter { $0.verdict == .approve }.map(\.person) }

    /// What `approvals list|show|watch` and webhooks display: the masked
    /// arguments only, never the raw ones.
    public var displayJSON: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id),
            "state": .string(state.rawValue),
            "tool": .string(tool),
            "arguments": .object(request.maskedArguments),
            "action_digest": .string(actionDigest),
            "requester": .object([
                "name": .string(requester.name), "uid": .int(Int64(requester.uid)),
                "owner": requester.owner.map(JSONValue.string) ?? .null,
            ]),
            "on_behalf_of": shownOnBehalfOf.map(JSONValue.string) ?? .null,
            "reason": shownReason.map(JSONValue.string) ?? .null,
            "rule": .object([
                "id": .string(request.requirement.ruleID), "message": .string(request.requirement.message),
            ]),
            "group": .string(request.requirement.group),
            "threshold": .int(Int64(request.requirement.threshold)),
            "reason_required": .bool(request.requirement.reasonRequired),
            "facts": .object(request.facts),
            "created_at": .string(ApprovalTime.iso8601(createdAt)),
            "expires_at": .string(ApprovalTime.iso8601(expiresAt)),
            "reviews": .array(reviews.map { review in
                .object([
                    "person": .string(review.person), "verdict": .string(review.verdict.rawValue),
                    "reason": review.reason.map(JSONValue.string) ?? .null,
                    "at": .string(ApprovalTime.iso8601(review.at)),
                ])
            }),
        ]
        if let decidedAt { object["decided_at"] = .string(ApprovalTime.iso8601(decidedAt)) }
        if let decidedBy { object["decided_by"] = .string(decidedBy) }
        if let decisionReason { object["decision_reason"] = .string(decisionReason) }
        if let runNote { object["run_note"] = .string(runNote) }
        return .object(object)
    }
}

/// One timestamp format for everything this module shows to humans.
enum ApprovalTime {
    static func iso8601(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }
}
