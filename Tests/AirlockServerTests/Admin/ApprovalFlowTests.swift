import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Testing

@Suite("admin: approval flow lifecycle", .serialized)
struct AdminApprovalFlowTests {
    func settings(in directory: URL, expirySeconds: Int = 900) throws -> ApprovalSettings {
        let yaml = """
            approvers:
              database: db/approvals.sqlite
              expiry_seconds: \(expirySeconds)
              admin_socket: { path: admin.sock }
              people: [{ uid: \(AdminFixture.me), person: tester, groups: [\(AdminFixture.approverGroup)] }]
            """
        let config = try ConfigLoader.parse(yaml: yaml + "\n" + testCatalogYAML,
                                            file: directory.appendingPathComponent("airlock.yaml").path)
        return try #require(try ApprovalSettings.parse(config.approvers, configFile: config.file))
    }

    @Test func startRecoversThenServesAndShutdownRemovesTheSocket() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = try settings(in: directory)
        // The previous process left a record overdue.
        let previous = try ApprovalFlow(settings: settings, mask: ApprovalMasking.verbatim) { _ in }
        let overdue = try await previous.store.createPending(
            call: ToolCall(tool: "argv", arguments: ["value": "x"], actor: AdminFixture.agent),
            decision: AdminFixture.reviewDecision(), maskedArguments: [:], now: Date().addingTimeInterval(-3600))
        try previous.store.close()

        let flow = try ApprovalFlow(settings: settings, mask: ApprovalMasking.verbatim) { _ in }
        let report = try await flow.start()
        #expect(report.expired.map(\.id) == [overdue.id])
        let socket = directory.appendingPathComponent("admin.sock").path
        #expect(flow.admin.socketPath == socket)
        let listed = try await blocking { try AgentClient(socketPath: socket).request("approvals/list", params: ["all": true]) }
        #expect(listed["approvals"]?.arrayValue?.first?["state"] == "EXPIRED")

        await flow.shutdown()
        #expect(!FileManager.default.fileExists(atPath: socket))
        try flow.store.close()
    }

    @Test func overdueRecordsExpireOnTheTimerWithNobodyWaiting() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let flow = try ApprovalFlow(settings: try settings(in: directory, expirySeconds: 1), mask: ApprovalMasking.verbatim,
                                    sweepInterval: .milliseconds(100)) { _ in }
        try await flow.start()
        let record = try await flow.store.createPending(
            call: ToolCall(tool: "argv", arguments: ["value": "x"], actor: AdminFixture.agent),
            decision: AdminFixture.reviewDecision(), maskedArguments: [:])
        let expired = await eventuallyAsync(within: 10) {
            (try? await flow.store.record(id: record.id).state) == .expired
        }
        #expect(expired)
        await flow.shutdown()
        try flow.store.close()
    }
}
