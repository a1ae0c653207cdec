/// What the guardrail policy concluded about a call.
public struct Decision: Sendable, Hashable, Codable {
    public enum Effect: String, Sendable, Hashable, Codable {
        /// Run it.
        case allow
        /// Refuse it; `reasons` say why.
        case deny
        /// Run it once a human approval satisfies `review`.
        case review
    }

    public var effect: Effect
    /// Every rule that matched and contributed (for deny: the forbids).
    public var ruleIDs: [String]
    /// Human-readable reasons, one a rule, suitable for the agent.
    public var reasons: [String]
    /// The intent facts that mattered for this decision.
    public var facts: [String: JSONValue]
    /// Digest of the canonical policy that produced this decision.
    public var policyRevision: String
    /// Present when `effect == .review`.
    public var review: ReviewRequirement?

    public init(effect: Effect, ruleIDs: [String], reasons: [String], facts: [String: JSONValue] = [:],
                policyRevision: String, review: ReviewRequirement? = nil) {
        self.effect = effect
        self.ruleIDs = ruleIDs
        self.reasons = reasons
        self.facts = facts
        self.policyRevision = policyRevision
        self.review = review
    }
}

/// What a `review` rule asks of the approval flow.
public struct ReviewRequirement: Sendable, Hashable, Codable {
    /// Approver group named in the config.
    public var group: String
    /// Number of distinct approvers needed.
    public var threshold: Int
    /// Whether an approver must give a reason.
    public var reasonRequired: Bool
    /// Rule id that asked for review and its message, shown to approvers.
    public var ruleID: String
    public var message: String

    public init(group: String, threshold: Int = 1, reasonRequired: Bool = false, ruleID: String, message: String) {
        self.group = group
        self.threshold = threshold
        self.reasonRequired = reasonRequired
        self.ruleID = ruleID
        self.message = message
    }
}
