import AirlockCore
import Foundation

/// The approval half of the daemon's config.
public struct ApprovalConfig: Sendable {
    public var approvers: [Approver]
    /// How long a record stays PENDING before it ends EXPIRED (a refusal).
    public var expiry: Duration

    public static let defaultExpiry: Duration = .seconds(15 * 60)

    /// Throws `invalidConfig` when two approvers share a uid: a uid must name
    /// exactly one person or the distinct-approver count means nothing.
    public init(approvers: [Approver], expiry: Duration = ApprovalConfig.defaultExpiry) throws {
        var seen: [UInt32: String] = [:]
        for approver in approvers {
            if let other = seen[approver.uid] {
                throw AirlockError(.invalidConfig,
                                   "approvers \(other) and \(approver.person) share uid \(approver.uid); give each uid one person")
            }
            seen[approver.uid] = approver.person
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
