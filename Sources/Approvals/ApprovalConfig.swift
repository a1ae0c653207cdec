import AirlockCore
import Foundation

/// The approval half of the daemon's config.
public struct ApprovalConfig: Sendable {
    public var approvers: [Approver]
    /// How long after its request a record may be decided and run: past it,
    /// a PENDING or APPROVED record ends EXPIRED (a refusal).
    public var expiry: Duration

    public static let defaultExpiry: Duration = .seconds(15 * 60)

    /// How many PENDING records one agent may have at once. An agent that
    /// queues calls and hangs up leaves each record pending (and notified)
    /// until it expires; past this it is refused as busy until some are
    /// decided or expire, so one agent can't flood the approvers' queue.
    public var maxPendingPerAgent: Int
    public static let defaultMaxPendingPerAgent = 20

    /// Throws `invalidConfig` when two approvers share a uid, or spell one
    /// person two ways ("alice" and "Alice "): a uid must name exactly one
    /// person, and a person exactly one spelling, or the distinct-approver
    /// count means nothing (reviews are keyed by the spelling).
    public init(approvers: [Approver], expiry: Duration = ApprovalConfig.defaultExpiry,
                maxPendingPerAgent: Int = ApprovalConfig.defaultMaxPendingPerAgent) throws {
        var seen: [UInt32: String] = [:]
        var spellings: [String: String] = [:]
        for approver in approvers {
            if let other = seen[approver.uid] {
                throw AirlockError(.invalidConfig,
                                   "approvers \(other) and \(approver.person) share uid \(approver.uid); give each uid one person")
            }
            seen[approver.uid] = approver.person
            let key = ApproverRules.principalKey(approver.person)
            if let other = spellings[key], other != approver.person {
                throw AirlockError(.invalidConfig,
                                   "approvers \"\(other)\" and \"\(approver.person)\" are one person spelled two ways; "
                                       + "spell each person the same on every uid")
            }
            spellings[key] = approver.person
        }
        guard expiry > .zero else {
            throw AirlockError(.invalidConfig, "approval expiry must be positive")
        }
        guard maxPendingPerAgent > 0 else {
            throw AirlockError(.invalidConfig, "the most pending approvals per agent must be at least 1")
        }
        self.approvers = approvers
        self.expiry = expiry
        self.maxPendingPerAgent = maxPendingPerAgent
    }

    var expiryInterval: TimeInterval {
        let parts = expiry.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
