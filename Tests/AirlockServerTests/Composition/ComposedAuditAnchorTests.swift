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
    /// What an auditor holds: the daemon's public key and its anchor file.
    private func auditorsView(_ daemon: ComposedDaemon) throws -> VerifyOptions {
        let publicKey = try AuditKeys.publicKey(from: String(contentsOf: daemon.state.appendingPathComponent(
            AuditCheckpointKey.publicFileName), encoding: .utf8))
        let anchors = try AnchorFile(path: DaemonModules.defaultAnchorFile(besides: daemon.auditPath)).anchors()
        return VerifyOptions(trustedKeys: [publicKey], anchors: anchors)
    }

    @Test func checkpointsAreAppendedToTheAnchorFileAndLogged() async throws {
        let logs = LogCapture()
        let daemon = try await ComposedDaemon.start(logs: logs)
        defer { Task { await daemon.stop() } }
        // Live: the start checkpoint already holds the trail to its interval.
        let live = try AuditReader(path: daemon.auditPath).verify(try auditorsView(daemon))
        #expect(live.ok, "\(live.problems)")

        let path = daemon.socketPath
        _ = try await blocking { try AgentClient(socketPath: path).call("run_shell", ["command": "echo anchored"]) }
        await daemon.modules.close()

        let options = try auditorsView(daemon)
        #expect(options.anchors.first?.checkpoint?.reason == .start)
        let close = try #require(options.anchors.last?.checkpoint)
        #expect(close.reason == .close)
        #expect(close.everyEvents == 1000)
        #expect(logs.text.contains("audit checkpoint"))
        #expect(logs.text.contains(close.signature))
        let report = try AuditReader(path: daemon.auditPath).verify(options)
        #expect(report.ok, "\(report.problems)")
        #expect(report.anchorsChecked == options.anchors.filter { $0.seq >= 1 }.count)  // a fresh start signs seq 0
    }
}
