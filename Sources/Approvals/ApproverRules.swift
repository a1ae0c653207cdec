import AirlockCore
import Foundation

/// Who may review a given record. The conflicts of interest come first and
/// have no exemption (not for admins, not for members of the group): the
/// requester, the principal it acts on behalf of and the agent's owner can
/// never approve or deny their own action.
struct ApproverRules: Sendable {
    let approversByUID: [UInt32: Approver]

    init(_ config: ApprovalConfig) {
        approversByUID = Dictionary(uniqueKeysWithValues: config.approvers.map { ($0.uid, $0) })
    }

    /// Whether anyone at all could review records for `group`; a review rule
    /// naming an empty group could only ever expire.
    func groupHasMembers(_ group: String) -> Bool {
        approversByUID.values.contains { $0.groups.contains(group) }
    }

    /// The approver behind `uid`, or `forbidden` with the reason they may not
    /// review this record.
    func reviewer(uid: UInt32, for record: ApprovalRecord) throws -> Approver {
        guard let approver = approversByUID[uid] else {
            throw AirlockError(.forbidden, "uid \(uid) is not a configured approver")
        }
        let requester = record.requester
        if uid == requester.uid || Self.samePrincipal(approver.person, requester.name) {
            throw AirlockError(.forbidden, "\(approver.person) requested approval \(record.id) and cannot review it")
        }
        if let principal = record.onBehalfOf,
           Self.samePrincipal(approver.person, principal) || principal == "uid:\(uid)" {
            throw AirlockError(.forbidden,
                               "approval \(record.id) acts on behalf of \(principal); \(approver.person) cannot review it")
        }
        // The owner may be a person or a team; a team owner excludes its members.
        if let owner = requester.owner,
           Self.samePrincipal(approver.person, owner) || owner == "uid:\(uid)"
            || approver.groups.contains(where: { Self.samePrincipal($0, owner) }) {
            throw AirlockError(.forbidden,
                               "\(approver.person) owns agent \(requester.name) (owner \(owner)) and cannot review its actions")
        }
        let group = record.request.requirement.group
        guard approver.groups.contains(group) else {
            throw AirlockError(.forbidden, "\(approver.person) is not in approver group \(group)")
        }
        return approver
    }

    /// Names compare without case and surrounding space, so "Alice" cannot
    /// approve what "alice " asked for.
    static func samePrincipal(_ a: String, _ b: String) -> Bool {
        a.trimmingCharacters(in: .whitespaces).lowercased() == b.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
