import AirlockCore
import Foundation

/// The approval half of the daemon's config.
public struct ApprovalConfig: Sendable {
    public var approvers: [Approver]
    /// How long after its request a record may be decided and run: past it,
    /// a PENDING or APPROVED record ends EXPIRED (a refusal).
    public var expiry: Duration

    public static let defaultExpiry: Duration = .seconds(15 * 60)

    /// Throws `invalidConfig` when two approvers share a uid, or spell one
    /// person two ways ("alice" and "Alice "): a uid must name exactly one
    /// person, and a person exactly one spelling, or the distinct-approver
    /// count means nothing (reviews are keyed by the spelling).
    public init(approvers: [Approver], expiry: Duration = ApprovalConfig.defaultExpiry) throws {
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
        self.approvers = approvers
        self.expiry = expiry
    }

    var expiryInterval: TimeInterval {
        let parts = expiry.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
