import AirlockCore
import AirlockServer
import Approvals
import Foundation
import Testing

@Suite("admin socket: approvals/watch", .serialized)
struct AdminWatchTests {
    /// Reads lines until an `approvals/changed` notification arrives.
    static func nextChange(_ client: AgentClient) throws -> JSONValue {
        while let line = try client.readLine() {
            let message = try CanonicalJSON.parse(line)
            if message["method"] == "approvals/changed", let params = message["params"] { return params }
        }
        throw AirlockError(.internalError, "the admin socket closed during watch")
    }

    @Test func watchStreamsNewPendingRecordsThenTheirDecisions() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let existing = try await fixture.pending()
        let connection = try Connection(fixture.client())
        let snapshot = try await blocking { try connection.client.request("approvals/watch") }
        #expect(snapshot["watching"] == true)
        #expect(snapshot["pending"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [existing.id])

        let fresh = try await fixture.pending(arguments: ["value": "new one"])
        let created = try await blocking { try Self.nextChange(connection.client) }
        #expect(created["new_pending"] == true)
        #expect(created["event"] == "approval.requested")
        #expect(created["approval"]?["id"] == .string(fresh.id))
        #expect(created["approval"]?["arguments"] == ["value": "new one"])

        _ = try await fixture.store.deny(id: fresh.id, approverUID: AdminFixture.nobody, reason: "not today")
        let denied = try await blocking { try Self.nextChange(connection.client) }
        #expect(denied["new_pending"] == false)
        #expect(denied["approval"]?["state"] == "DENIED")
        #expect(denied["approval"]?["decision_reason"] == "not today")
    }

    @Test func aSecondWatchOnOneConnectionIsRefusedAndOtherRequestsStillWork() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let (second, list) = try await blocking {
            let client = try fixture.client()
            _ = try client.request("approvals/watch")
            return (client.failure("approvals/watch", [:]), try client.request("approvals/list"))
        }
        #expect(second?.code == -32600)
        #expect(list["approvals"] == [])
    }
}

/// One admin connection used across several `blocking` steps of a test.
/// Each step is awaited before the next starts, so only one thread uses
/// the client at a time, which is what makes the unchecked conformance hold.
final class Connection: @unchecked Sendable {
    let client: AgentClient
    init(_ client: AgentClient) { self.client = client }
}
