import AirlockCore
import Approvals
import Foundation
import Testing

@Suite("Expiry and waiting")
struct ExpiryAndWaitTests {
    @Test("a record past its expiry ends EXPIRED and can no longer be approved")
    func expiryIsRefusal() async throws {
        let fixture = try StoreFixture()
        let start = Date()
        let record = try await fixture.store.createPending(call: Cast.call(), decision: Cast.decision(),
                                                           maskedArguments: [:], now: start)
        #expect(abs(record.expiresAt.timeIntervalSince(start) - 15 * 60) < 0.001)
        let code = await AirlockError.Code.thrown {
            _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice, now: start.addingTimeInterval(15 * 60 + 1))
        }
        #expect(code == .approvalExpired)
        let after = try await fixture.store.record(id: record.id)
        #expect(after.state == .expired)
        #expect(after.state.isRefusal)
        #expect(after.refusal?.code == .approvalExpired)
        #expect(after.reviews.isEmpty)
        #expect(fixture.audit.kinds == [.approvalRequested, .approvalExpired, .approvalReviewRefused])
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.claimForRun(id: record.id) } == .conflict)
    }

    @Test("expireDue leaves records that are not yet due")
    func expireDueIsSelective() async throws {
        let fixture = try StoreFixture()
        let start = Date()
        let early = try await fixture.store.createPending(call: Cast.call(), decision: Cast.decision(),
                                                          maskedArguments: [:], now: start)
        let late = try await fixture.store.createPending(call: Cast.call(), decision: Cast.decision(),
                                                         maskedArguments: [:], now: start.addingTimeInterval(600))
        let expired = try await fixture.store.expireDue(now: start.addingTimeInterval(15 * 60))
        #expect(expired.map(\.id) == [early.id])
        #expect(try await fixture.store.record(id: late.id).state == .pending)
    }

    @Test("an APPROVED record nobody ran expires on the sweep: audited, in the change feed, never claimable")
    func approvedRecordExpiresOnSweep() async throws {
        let fixture = try StoreFixture()
        let start = Date()
        let record = try await Self.approved(in: fixture, requestedAt: start)
        let changes = fixture.store.changes()
        #expect(try await fixture.store.expireDue(now: start.addingTimeInterval(15 * 60 - 1)).isEmpty)

        let expired = try await fixture.store.expireDue(now: start.addingTimeInterval(15 * 60))
        #expect(expired.map(\.id) == [record.id])
        let after = try await fixture.store.record(id: record.id)
        #expect(after.state == .expired)
        #expect(after.refusal?.code == .approvalExpired)
        #expect(after.decisionReason == "approved, but not run before the approval expired")
        #expect(after.approvers == ["alice"])
        #expect(fixture.audit.kinds == [.approvalRequested, .approvalReviewed, .approvalExpired])
        #expect(fixture.audit.all.last?.fields["approval_id"] == .string(record.id))
        #expect(try await Self.firstChange(in: changes, before: fixture) == .approvalExpired)
        #expect(await AirlockError.Code.thrown {
            _ = try await fixture.store.claimForRun(id: record.id, now: start.addingTimeInterval(15 * 60))
        } == .conflict)
    }

    @Test("claiming an APPROVED record past its expiry is approvalExpired, and ends it EXPIRED")
    func claimPastExpiryRefused() async throws {
        let fixture = try StoreFixture()
        let start = Date()
        let record = try await Self.approved(in: fixture, requestedAt: start)
        let changes = fixture.store.changes()
        let code = await AirlockError.Code.thrown {
            _ = try await fixture.store.claimForRun(id: record.id, now: start.addingTimeInterval(15 * 60 + 1))
        }
        #expect(code == .approvalExpired)
        #expect(try await fixture.store.record(id: record.id).state == .expired)
        #expect(fixture.audit.kinds == [.approvalRequested, .approvalReviewed, .approvalExpired])
        #expect(try await Self.firstChange(in: changes, before: fixture) == .approvalExpired)
    }

    /// A record requested at `requestedAt` and approved by alice a minute later.
    private static func approved(in fixture: StoreFixture, requestedAt start: Date) async throws -> ApprovalRecord {
        let record = try await fixture.store.createPending(call: Cast.call(), decision: Cast.decision(),
                                                           maskedArguments: [:], now: start)
        return try await fixture.store.approve(id: record.id, approverUID: Cast.alice, now: start.addingTimeInterval(60))
    }

    /// The kind of the first change `changes` streamed, found without
    /// blocking on a change that never came: a new pending record is
    /// queued after, so the stream has at least that one.
    private static func firstChange(in changes: AsyncStream<ApprovalChange>,
                                    before fixture: StoreFixture) async throws -> AuditEvent.Kind? {
        _ = try await fixture.pending()
        var iterator = changes.makeAsyncIterator()
        return await iterator.next()?.kind
    }

    @Test("an APPROVED record overdue at restart is expired by recovery, not offered to run")
    func approvedRecordOverdueAtRestart() async throws {
        let fixture = try StoreFixture()
        let start = Date().addingTimeInterval(-3600)
        let record = try await Self.approved(in: fixture, requestedAt: start)
        try fixture.store.close()
        let reopened = try fixture.reopen()
        let report = try await reopened.recoverAfterRestart()
        #expect(report.expired.map(\.id) == [record.id])
        #expect(report.approved.isEmpty)
        #expect(await AirlockError.Code.thrown { _ = try await reopened.claimForRun(id: record.id) } == .conflict)
    }

    @Test("a waiter sees the expiry as EXPIRED")
    func waiterSeesExpiry() async throws {
        let fixture = try StoreFixture(expiry: .milliseconds(200))
        let record = try await fixture.pending()
        let outcome = try await fixture.store.waitForDecision(id: record.id, timeout: .seconds(60))
        #expect(outcome.state == .expired)
    }

    /// Blocks a waiter on a fresh record, lets `decide` act on it, and
    /// returns what the waiter saw. The short pause lets the waiter block
    /// first, so the wake-up path is what runs; the outcome must be the
    /// same either way, and nothing here measures time.
    private func waiterSees(_ fixture: StoreFixture,
                            _ decide: (ApprovalStore, String) async throws -> Void) async throws -> ApprovalRecord {
        let record = try await fixture.pending()
        let store = fixture.store
        let waiter = Task { try await store.waitForDecision(id: record.id, timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(50))
        try await decide(store, record.id)
        return try await waiter.value
    }

    @Test("approve wakes a waiting call")
    func approveWakesWaiter() async throws {
        let outcome = try await waiterSees(try StoreFixture()) { store, id in
            _ = try await store.approve(id: id, approverUID: Cast.bob)
        }
        #expect(outcome.state == .approved)
        #expect(outcome.decidedBy == "bob")
    }

    @Test("deny with a reason reaches the waiter")
    func denyReasonReachesWaiter() async throws {
        let outcome = try await waiterSees(try StoreFixture()) { store, id in
            _ = try await store.deny(id: id, approverUID: Cast.alice, reason: "not during the freeze")
        }
        #expect(outcome.state == .denied)
        #expect(outcome.decisionReason == "not during the freeze")
        #expect(outcome.decidedBy == "alice")
    }

    @Test("a decision from another store on the same file reaches the waiter")
    func crossProcessDecisionSeen() async throws {
        let fixture = try StoreFixture()
        let other = try fixture.reopen()
        let outcome = try await waiterSees(fixture) { _, id in
            _ = try await other.approve(id: id, approverUID: Cast.bob)
        }
        #expect(outcome.state == .approved)
    }

    @Test("a wait that runs out returns the record still PENDING")
    func waitTimesOutPending() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        let outcome = try await fixture.store.waitForDecision(id: record.id, timeout: .milliseconds(50))
        #expect(outcome.state == .pending)
    }

    @Test("cancel ends the wait and blocks later approvals")
    func cancelEndsWait() async throws {
        let fixture = try StoreFixture()
        let outcome = try await waiterSees(fixture) { store, id in
            _ = try await store.cancel(id: id, by: "ci-agent", reason: "agent disconnected")
        }
        #expect(outcome.state == .cancelled)
        #expect(await AirlockError.Code.thrown {
            _ = try await fixture.store.approve(id: outcome.id, approverUID: Cast.bob)
        } == .conflict)
        #expect(fixture.audit.kinds.suffix(2) == [.approvalCancelled, .approvalReviewRefused])
    }
}
