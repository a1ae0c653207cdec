import AirlockCore
import Foundation

/// Who may review a given record. The conflicts of interest come first and
/// have no exemption (not for admins, not for members of the group): the
/// requester, the principal it acts on behalf of and the agent's owner can
/// never approve or deny their own action.
///
/// A conflict is a *person*, not an account: every uid involved in the
/// record (the requester's, a `uid:N` principal or owner) is mapped to the
/// person the config names for it, so alice cannot approve from uid 2000
/// what her other account, uid 2001, asked for.
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
        for party in parties(of: record) where party.includes(approver, uid: uid) {
            throw AirlockError(.forbidden, party.refusal(approver, uid: uid, record: record))
        }
        let group = record.request.requirement.group
        guard approver.groups.contains(group) else {
            throw AirlockError(.forbidden, "\(approver.person) is not in approver group \(group)")
        }
        return approver
    }

    /// Everyone with a stake in `record`, each by every uid and name that
    /// identifies them, persons of the uids included.
    private func parties(of record: ApprovalRecord) -> [ConflictedParty] {
        let requester = record.requester
        var parties = [ConflictedParty(role: .requester, principal: requester.name,
                                       uids: [requester.uid], names: [requester.name])]
        if let principal = record.onBehalfOf {
            parties.append(party(.onBehalfOf, principal))
        }
        if let owner = requester.owner {
            var party = party(.owner, owner)
            // The owner may be a person or a team; a team owner excludes its members.
            party.team = owner
            parties.append(party)
        }
        return parties.map { party in
            var party = party
            party.names += party.uids.compactMap { approversByUID[$0]?.person }
            return party
        }
    }

    /// A principal as written in a claim or the actor directory: `uid:N`
    /// names an account, anything else a person.
    private func party(_ role: ConflictedParty.Role, _ principal: String) -> ConflictedParty {
        let normal = Self.principalKey(principal)
        if normal.hasPrefix("uid:"), let uid = UInt32(normal.dropFirst(4)) {
            return ConflictedParty(role: role, principal: principal, uids: [uid], names: [])
        }
        return ConflictedParty(role: role, principal: principal, uids: [], names: [principal])
    }

    /// Names compare without case and surrounding space, so "Alice" cannot
    /// approve what "alice " asked for.
    static func samePrincipal(_ a: String, _ b: String) -> Bool {
        principalKey(a) == principalKey(b)
    }

    /// What `samePrincipal` compares.
    static func principalKey(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// One party to a record who may not review it.
private struct ConflictedParty {
    enum Role {
        case requester, onBehalfOf, owner
    }

    var role: Role
    /// How the record names the party (actor name, claim or owner).
    var principal: String
    var uids: [UInt32]
    /// The principal's name and the configured person of each of its uids.
    var names: [String]
    /// A team owner: its members are conflicted too.
    var team: String?

    func includes(_ approver: Approver, uid: UInt32) -> Bool {
        uids.contains(uid)
            || names.contains { ApproverRules.samePrincipal($0, approver.person) }
            || team.map { team in approver.groups.contains { ApproverRules.samePrincipal($0, team) } } == true
    }

    func refusal(_ approver: Approver, uid: UInt32, record: ApprovalRecord) -> String {
        switch role {
        case .requester:
            "\(approver.person) (uid \(uid)) is the requester of approval \(record.id) "
                + "(\(principal), uid \(record.requester.uid)) and cannot review it"
        case .onBehalfOf:
            "approval \(record.id) acts on behalf of \(principal); \(approver.person) (uid \(uid)) cannot review it"
        case .owner:
            "\(approver.person) (uid \(uid)) owns agent \(record.requester.name) (owner \(principal)) "
                + "and cannot review its actions"
        }
    }
}
