import AirlockCore
import Approvals
import Testing

@Suite("Thresholds and reasons")
struct ThresholdAndReasonTests {
    @Test("threshold 2 needs two distinct people; the same person twice does not count")
    func thresholdCountsPeople() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending(decision: Cast.decision(threshold: 2))

        let first = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        #expect(first.state == .pending)
        #expect(first.approvers == ["alice"])

        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice) } == .conflict)
        #expect(await AirlockError.Code.thrown {
            _ = try await fixture.store.approve(id: record.id, approverUID: Cast.aliceSecondAccount)
        } == .conflict)
        #expect(try await fixture.store.record(id: record.id).state == .pending)

        let second = try await fixture.store.approve(id: record.id, approverUID: Cast.bob)
        #expect(second.state == .approved)
        #expect(second.refusal == nil)
        #expect(Set(second.approvers) == ["alice", "bob"])
        #expect(fixture.audit.kinds == [.approvalRequested, .approvalReviewed, .approvalReviewRefused,
                                        .approvalReviewRefused, .approvalReviewed])
    }

    /// The config once spelled alice "Alice" on uid 2001; it was corrected
    /// (and her second account added) while a record waited. Her review under
    /// the old spelling and one under the new are one person, not two.
    @Test("a person's review under an old spelling and the new one count once")
    func respelledPersonCountsOnce() async throws {
        let fixture = try StoreFixture(approvers: [Approver(uid: 2001, person: "Alice", groups: ["oncall"]),
                                                   Approver(uid: Cast.bob, person: "bob", groups: ["oncall"])])
        let record = try await fixture.pending(decision: Cast.decision(threshold: 2))
        let first = try await fixture.store.approve(id: record.id, approverUID: 2001)
        #expect(first.approvers == ["Alice"])
        try fixture.store.close()

        let corrected = try ApprovalConfig(approvers: [Approver(uid: 2001, person: "alice", groups: ["oncall"]),
                                                       Approver(uid: 2009, person: "alice", groups: ["oncall"]),
                                                       Approver(uid: Cast.bob, person: "bob", groups: ["oncall"])])
        let store = try ApprovalStore(path: fixture.path, config: corrected, audit: fixture.audit.sink)
        for uid: UInt32 in [2001, 2009] {
            #expect(await AirlockError.Code.thrown { _ = try await store.approve(id: record.id, approverUID: uid) } == .conflict)
        }
        #expect(try await store.record(id: record.id).state == .pending)
        let second = try await store.approve(id: record.id, approverUID: Cast.bob)
        #expect(second.state == .approved)
        #expect(second.approvers == ["Alice", "bob"])
    }

    @Test("a rule that requires a reason refuses a review without one")
    func reasonRequired() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending(decision: Cast.decision(reasonRequired: true))
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice) } == .invalidArguments)
        #expect(await AirlockError.Code.thrown {
            _ = try await fixture.store.deny(id: record.id, approverUID: Cast.alice, reason: "   ")
        } == .invalidArguments)
        let approved = try await fixture.store.approve(id: record.id, approverUID: Cast.alice, reason: "hotfix for INC-42")
        #expect(approved.state == .approved)
        #expect(approved.decisionReason == "hotfix for INC-42")
        #expect(approved.reviews.first?.reason == "hotfix for INC-42")
    }

    @Test("one denial ends the record even after an approval toward the threshold")
    func denyEndsRecord() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending(decision: Cast.decision(threshold: 2))
        _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        let denied = try await fixture.store.deny(id: record.id, approverUID: Cast.bob, reason: "change freeze")
        #expect(denied.state == .denied)
        #expect(denied.decisionReason == "change freeze")
        #expect(denied.refusal?.code == .approvalDenied)
        #expect(denied.refusal?.message.hasSuffix("denied by bob: change freeze") == true)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.carol) } == .conflict)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.claimForRun(id: record.id) } == .conflict)
    }
}
