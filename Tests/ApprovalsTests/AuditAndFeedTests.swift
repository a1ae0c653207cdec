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
