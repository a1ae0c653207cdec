import AirlockCore
import Foundation

/// The immutable half of a pending record: what the agent asked for and why
/// policy wanted a human. Stored once, never updated, so the action that
/// finally runs is byte-for-byte the one the approvers saw (its digest is
/// checked again at claim time).
public struct ApprovalRequest: Sendable, Hashable, Codable {
    /// The call exactly as received: tool, arguments, requester, `_meta` claims.
    public var call: ToolCall
    /// The review rule: approver group, threshold, whether a reason is required.
    public var requirement: ReviewRequirement
    /// Every rule id the decision named, and their human-readable reasons.
    public var ruleIDs: [String]
    public var reasons: [String]
    public var policyRevision: String
    /// The intent facts that made policy ask for review.
    public var facts: [String: JSONValue]
    /// The arguments as approvers and webhooks may see them (the caller masks
    /// secrets and sensitive values before handing them in).
    public var maskedArguments: [String: JSONValue]
    /// Digest of the tool's definition (command, profile...) as the catalog
    /// had it when approval was asked: approvers approved *that* command,
    /// so a resume under another definition is refused. nil in records
    /// stored before this field existed (they still decode, but no longer
    /// resume).
    public var toolDigest: String?
    /// The agent's claims (`reason`, `on_behalf_of`) as approvers and
    /// webhooks may see them: its own text, masked like the arguments. nil
    /// in records stored before this field existed.
    public var maskedClaims: CallClaims?

    public init(call: ToolCall, requirement: ReviewRequirement, ruleIDs: [String], reasons: [String],
                policyRevision: String, facts: [String: JSONValue], maskedArguments: [String: JSONValue],
                toolDigest: String? = nil, maskedClaims: CallClaims? = nil) {
        self.call = call
        self.requirement = requirement
        self.ruleIDs = ruleIDs
        self.reasons = reasons
        self.policyRevision = policyRevision
        self.facts = facts
        self.maskedArguments = maskedArguments
        self.toolDigest = toolDigest
        self.maskedClaims = maskedClaims
    }
}
