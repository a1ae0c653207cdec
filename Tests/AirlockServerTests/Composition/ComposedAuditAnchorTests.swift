import AirlockCore
import AirlockServer
import Audit
import Executor
import Foundation
import Testing

/// The daemon as composed publishes every audit checkpoint outside the
/// database: appended to the anchor file beside the trail and logged.
@Suite("composed daemon: audit anchors", .serialized)
struct ComposedAuditAnchorTests {
    @Test func checkpointsAreAppendedToTheAnchorFileAndLogged() async throws {
        let logs = LogCapture()
        let daemon = try await ComposedDaemon.start(logs: logs)
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        _ = try await blocking { try AgentClient(socketPath: path).call("run_shell", ["command": "echo anchored"]) }
        await daemon.modules.close()

        let anchorPath = DaemonModules.defaultAnchorFile(besides: daemon.auditPath)
        let anchors = try AnchorFile(path: anchorPath).anchors()
        let close = try #require(anchors.last?.checkpoint)
        #expect(close.reason == .close)
        #expect(close.everyEvents == 1000)
        #expect(logs.text.contains("audit checkpoint"))
        #expect(logs.text.contains(close.signature))

        let publicKey = try AuditKeys.publicKey(from: String(contentsOf: daemon.state.appendingPathComponent(
            AuditCheckpointKey.publicFileName), encoding: .utf8))
        let report = try AuditReader(path: daemon.auditPath)
            .verify(VerifyOptions(trustedKeys: [publicKey], anchors: anchors))
        #expect(report.ok, "\(report.problems)")
        #expect(report.anchorsChecked == anchors.count)
    }
}
