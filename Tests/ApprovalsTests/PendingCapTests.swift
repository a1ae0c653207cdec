import AirlockCore
import Approvals
import Foundation
import Testing

/// One agent may not fill the approvers' queue: past its cap, a new
/// request is refused as busy, and nothing is recorded for it. Another
/// agent is unaffected, and a decided record frees a place.
@Suite("Pending approvals per agent")
struct PendingCapTests {
    @Test func anAgentPastItsCapIsRefusedAsBusyAndOthersAreNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("approvals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = AuditLog()
        let store = try ApprovalStore(path: directory.appendingPathComponent("approvals.sqlite").path,
                                      config: try ApprovalConfig(approvers: Cast.approvers, maxPendingPerAgent: 2), audit: audit.sink)
        func queue(_ actor: Actor) async throws -> ApprovalRecord {
            let call = ToolCall(tool: "deploy", arguments: ["env": "prod"], actor: actor)
            return try await store.createPending(call: call, decision: Cast.decision(), maskedArguments: call.arguments)
        }
        let first = try await queue(Cast.agent)
        _ = try await queue(Cast.agent)
        let refused = await AirlockError.Code.thrown { _ = try await queue(Cast.agent) }
        #expect(refused == .busy)
        #expect(try await store.list().count == 2)
        #expect(audit.kinds.filter { $0 == .approvalRequested }.count == 2)
        var other = Cast.agent
        other.name = "other-agent"
        _ = try await queue(other)
        _ = try await store.cancel(id: first.id, by: "system", reason: "test")
        _ = try await queue(Cast.agent)
    }
}
