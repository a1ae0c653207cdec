import AirlockCore
import Approvals
import Testing

@Suite("Who may review")
struct ApproverEligibilityTests {
    /// Each of these is in the approver group and an admin, and each is
    /// refused: no membership or role exempts a conflict of interest.
    @Test("requester, on-behalf-of principal and owner are refused", arguments: [
        Cast.agentUID, Cast.ciAgentPerson, Cast.pat, Cast.olivia,
    ])
    func conflictedApproverRefused(uid: UInt32) async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        for review in [ReviewKind.approve, .deny] {
            let code = await AirlockError.Code.thrown {
                _ = try await review.perform(on: fixture.store, id: record.id, uid: uid)
            }
            #expect(code == .forbidden)
        }
        let after = try await fixture.store.record(id: record.id)
        #expect(after.state == .pending)
        #expect(after.reviews.isEmpty)
        #expect(!fixture.audit.kinds.contains(.approvalReviewed))
    }

    /// alice has two accounts, 2000 and 2001. Whichever role uid 2001 plays
    /// in the record — the requesting agent runs as it, the call acts on
    /// behalf of `uid:2001`, the agent is owned by `uid:2001` — alice is
    /// conflicted, so her other account may not review; bob may.
    @Test("one person's other account is refused, whatever role the first plays", arguments: [
        AccountRole.requester, .onBehalfOf, .owner,
    ])
    func otherAccountOfAConflictedPersonRefused(role: AccountRole) async throws {
        let fixture = try StoreFixture(approvers: [
            Approver(uid: 2000, person: "alice", groups: ["oncall"]),
            Approver(uid: 2001, person: "alice", groups: ["oncall"]),
            Approver(uid: 2002, person: "bob", groups: ["oncall"]),
        ])
        let record = try await fixture.pending(role.call(involving: 2001))
        for review in [ReviewKind.approve, .deny] {
            let code = await AirlockError.Code.thrown {
                _ = try await review.perform(on: fixture.store, id: record.id, uid: 2000)
            }
            #expect(code == .forbidden)
        }
        #expect(try await fixture.store.record(id: record.id).reviews.isEmpty)
        let approved = try await fixture.store.approve(id: record.id, approverUID: 2002)
        #expect(approved.state == .approved)
        #expect(approved.approvers == ["bob"])
    }

    @Test("a team owner's members are refused")
    func teamOwnerMembersRefused() async throws {
        let fixture = try StoreFixture(approvers: [
            Approver(uid: 3001, person: "erin", groups: ["oncall", "payments"]),
            Approver(uid: 3002, person: "frank", groups: ["oncall"]),
        ])
        let teamAgent = Actor(name: "pay-bot", uid: 1500, gid: 1500, pid: 7, owner: "payments")
        let record = try await fixture.pending(Cast.call(actor: teamAgent, onBehalfOf: nil))
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: 3001) } == .forbidden)
        let approved = try await fixture.store.approve(id: record.id, approverUID: 3002)
        #expect(approved.state == .approved)
    }

    @Test("outsiders and unknown uids are refused, a group member may approve")
    func outsidersRefused() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.dave) } == .forbidden)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: 0) } == .forbidden)
        let approved = try await fixture.store.approve(id: record.id, approverUID: Cast.carol)
        #expect(approved.state == .approved)
        #expect(approved.decidedBy == "carol")
    }

    @Test("a group nobody is in is refused at creation")
    func emptyGroupRefused() async throws {
        let fixture = try StoreFixture()
        let code = await AirlockError.Code.thrown { _ = try await fixture.pending(decision: Cast.decision(group: "nobody")) }
        #expect(code == .invalidConfig)
    }

    @Test("one person spelled two ways is a config error naming both", arguments: [
        ("alice", "Alice"), ("alice", "alice "), ("Bob", " BOB"),
    ])
    func twoSpellingsRejected(first: String, second: String) {
        do {
            _ = try ApprovalConfig(approvers: [Approver(uid: 2001, person: first, groups: ["oncall"]),
                                               Approver(uid: 2002, person: "carol", groups: ["oncall"]),
                                               Approver(uid: 2003, person: second, groups: ["oncall"])])
            Issue.record("\(first) and \(second) were accepted as two people")
        } catch let error as AirlockError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.contains("\"\(first)\"") && error.message.contains("\"\(second)\""), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("one person on two uids, spelled alike, is a valid config")
    func oneSpellingOnTwoUIDsAccepted() throws {
        let config = try ApprovalConfig(approvers: [Approver(uid: 2001, person: "alice", groups: ["oncall"]),
                                                    Approver(uid: 2002, person: "alice", groups: ["sre"])])
        #expect(config.approvers.count == 2)
    }

    @Test("two people on one uid is a config error")
    func sharedUIDRejected() {
        #expect(throws: AirlockError.self) {
            _ = try ApprovalConfig(approvers: [Approver(uid: 1, person: "a", groups: []),
                                               Approver(uid: 1, person: "b", groups: [])])
        }
    }
}

enum ReviewKind {
    case approve, deny

    func perform(on store: ApprovalStore, id: String, uid: UInt32, reason: String? = nil) async throws -> ApprovalRecord {
        switch self {
        case .approve: try await store.approve(id: id, approverUID: uid, reason: reason)
        case .deny: try await store.deny(id: id, approverUID: uid, reason: reason)
        }
    }
}

/// Where one uid appears in a record.
enum AccountRole: CaseIterable, Sendable {
    case requester, onBehalfOf, owner

    func call(involving uid: UInt32) -> ToolCall {
        switch self {
        case .requester:
            Cast.call(actor: Actor(name: "ci-agent", uid: uid, gid: uid, pid: 9), onBehalfOf: nil)
        case .onBehalfOf:
            Cast.call(actor: Actor(name: "ci-agent", uid: 1000, gid: 1000, pid: 9), onBehalfOf: "uid:\(uid)")
        case .owner:
            Cast.call(actor: Actor(name: "ci-agent", uid: 1000, gid: 1000, pid: 9, owner: "uid:\(uid)"), onBehalfOf: nil)
        }
    }
}
