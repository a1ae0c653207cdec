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
        #expect(fixture.audit.kinds == [.approvalRequested, .approvalReviewed, .approvalReviewed])
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
