import AirlockCore
import Approvals
import Foundation
import Testing

@Suite("Audit events, change feed, display")
struct AuditAndFeedTests {
    @Test("an audit failure rolls the state change back")
    func auditFailureRollsBack() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        fixture.audit.failing.withLock { $0 = .approvalReviewed }
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice) } == .auditUnavailable)
        let after = try await fixture.store.record(id: record.id)
        #expect(after.state == .pending)
        #expect(after.reviews.isEmpty)
    }

    /// Each attempt the store refuses leaves exactly one
    /// `approval.review_refused` event naming the record, the peer uid and
    /// the refusal, and nothing else.
    @Test("each refused approve or deny writes exactly one refusal event")
    func refusedReviewsAudited() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending(decision: Cast.decision(threshold: 2))
        let store = fixture.store
        let attempts: [(id: String, uid: UInt32, code: AirlockError.Code, review: ReviewKind)] = [
            (record.id, Cast.agentUID, .forbidden, .approve),        // the requester
            (record.id, Cast.olivia, .forbidden, .deny),             // the owner
            (record.id, Cast.dave, .forbidden, .approve),            // not in the group
            (record.id, 0, .forbidden, .approve),                    // not an approver
            ("apr-00000000000000000000", Cast.alice, .notFound, .approve),
        ]
        for attempt in attempts {
            let before = fixture.audit.all.count
            let code = await AirlockError.Code.thrown {
                _ = try await attempt.review.perform(on: store, id: attempt.id, uid: attempt.uid)
            }
            #expect(code == attempt.code)
            let written = fixture.audit.all.dropFirst(before)
            #expect(written.map(\.kind) == [.approvalReviewRefused], "uid \(attempt.uid)")
            let event = try #require(written.first)
            #expect(event.fields["approval_id"] == .string(attempt.id))
            #expect(event.fields["reviewer_uid"] == .int(Int64(attempt.uid)))
            #expect(event.fields["code"] == .string(attempt.code.rawValue))
            #expect(event.fields["refusal"]?.stringValue?.isEmpty == false)
        }
        _ = try await store.approve(id: record.id, approverUID: Cast.alice)
        let before = fixture.audit.all.count
        #expect(await AirlockError.Code.thrown { _ = try await store.approve(id: record.id, approverUID: Cast.alice) } == .conflict)
        #expect(fixture.audit.all.dropFirst(before).map(\.kind) == [.approvalReviewRefused])
        #expect(fixture.audit.all.last?.fields["reviewer"] == "alice")
        #expect(fixture.audit.all.last?.argumentsDigest == record.actionDigest)
        #expect(try await store.record(id: record.id).reviews.count == 1)
    }

    @Test("a refusal stands when its audit event cannot be written")
    func refusalStandsWithoutAudit() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        fixture.audit.failing.withLock { $0 = .approvalReviewRefused }
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.approve(id: record.id, approverUID: Cast.agentUID) } == .forbidden)
        #expect(try await fixture.store.record(id: record.id).state == .pending)
    }

    @Test("events carry approval id, reviewer and reason")
    func reviewEventFields() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        _ = try await fixture.store.deny(id: record.id, approverUID: Cast.bob, reason: "too risky")
        let event = try #require(fixture.audit.all.last)
        #expect(event.kind == .approvalReviewed)
        #expect(event.fields["approval_id"] == .string(record.id))
        #expect(event.fields["reviewer"] == "bob")
        #expect(event.fields["verdict"] == "deny")
        #expect(event.fields["review_reason"] == "too risky")
        #expect(event.fields["state"] == "DENIED")
        #expect(event.argumentsDigest == record.actionDigest)
        #expect(event.actor?.onBehalfOf == "pat")
    }

    @Test("the change feed streams new pending records and decisions")
    func feedStreamsChanges() async throws {
        let fixture = try StoreFixture()
        let changes = fixture.store.changes()
        let record = try await fixture.pending()
        _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        var iterator = changes.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.isNewPending)
        #expect(first.record.id == record.id)
        let second = try #require(await iterator.next())
        #expect(second.kind == .approvalReviewed)
        #expect(second.record.state == .approved)
    }

    @Test("list filters by state")
    func listByState() async throws {
        let fixture = try StoreFixture()
        let a = try await fixture.pending()
        let b = try await fixture.pending()
        _ = try await fixture.store.approve(id: b.id, approverUID: Cast.alice)
        #expect(try await fixture.store.list().map(\.id) == [a.id])
        #expect(try await fixture.store.list(states: [.approved]).map(\.id) == [b.id])
        #expect(try await fixture.store.list(states: nil).count == 2)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.record(id: "apr-missing") } == .notFound)
    }

    @Test("the queue file is readable by the daemon only")
    func fileIsPrivate() async throws {
        let fixture = try StoreFixture()
        _ = try await fixture.pending()
        for path in [fixture.path, fixture.directory.path] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o077 } == 0, "\(path) is open to group or others")
        }
    }

    @Test("the display view shows masked arguments, never the raw ones")
    func displayIsMasked() async throws {
        let fixture = try StoreFixture()
        let call = Cast.call(["env": "prod", "db_password": "hunter2-s3cret"])
        let record = try await fixture.store.createPending(
            call: call, decision: Cast.decision(), maskedArguments: ["env": "prod", "db_password": "[masked]"])
        let shown = record.displayJSON.canonicalText
        #expect(!shown.contains("hunter2-s3cret"))
        #expect(shown.contains("[masked]"))
        #expect(shown.contains("prod-deploy"))
        #expect(record.request.call.arguments == call.arguments)
    }
}
