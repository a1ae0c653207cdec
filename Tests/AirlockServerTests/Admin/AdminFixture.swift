import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Logging

/// An approval store on a fresh SQLite file and an admin server on a fresh
/// socket in the same temporary directory, with the test's own uid and
/// uid 65534 (for `setpriv` runs of the CLI) as approvers in group oncall.
struct AdminFixture {
    static let approverGroup = "oncall"
    static let me = getuid()
    static let nobody: UInt32 = 65534
    /// An agent on another uid: what the test's own uid may approve.
    static let agent = Actor(name: "ci-agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 4242, owner: "olivia")
    /// The test process as an agent: what it may not approve.
    static let selfAgent = Actor(name: "test-agent", roles: ["agent"], uid: getuid(), gid: getgid(), pid: getpid(), owner: "tester")

    let directory: URL
    let store: ApprovalStore
    let admin: AdminServer

    var socketPath: String { directory.appendingPathComponent("admin.sock").path }

    static func start(expiry: Duration = ApprovalConfig.defaultExpiry, mode: UInt32 = 0o600,
                      audit: @escaping ApprovalStore.AuditSink = { _ in }) async throws -> AdminFixture {
        let directory = try TestDaemon.makeDirectory()
        let config = try ApprovalConfig(approvers: [
            Approver(uid: me, person: "tester", groups: [approverGroup]),
            Approver(uid: nobody, person: "nobody-approver", groups: [approverGroup]),
        ], expiry: expiry)
        let store = try ApprovalStore(path: directory.appendingPathComponent("db/approvals.sqlite").path, config: config, audit: audit)
        var settings = ServerSettings.adminDefaults
        settings.socketPath = directory.appendingPathComponent("admin.sock").path
        settings.socketMode = mode
        let admin = AdminServer(store: store, settings: settings, logger: Logger(label: "test.admin"))
        try await admin.start()
        return AdminFixture(directory: directory, store: store, admin: admin)
    }

    func stop() async {
        await admin.shutdown()
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A connected admin client whose reads give up after 90 s, so a
    /// missing reply fails the test instead of hanging it. Generous: a
    /// watch's change reaches the server through Swift tasks, which the
    /// full suite (both cores busy) was seen to leave waiting past 20 s.
    func client() throws -> AgentClient {
        let client = try AgentClient(socketPath: socketPath)
        var timeout = timeval(tv_sec: 90, tv_usec: 0)
        setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return client
    }

    static func reviewDecision(reasonRequired: Bool = false) -> Decision {
        Decision(effect: .review, ruleIDs: ["needs-review"], reasons: ["this tool needs an on-call approval"],
                 facts: ["target": "prod"], policyRevision: "test",
                 review: ReviewRequirement(group: approverGroup, reasonRequired: reasonRequired, ruleID: "needs-review",
                                           message: "on-call must approve"))
    }

    /// A pending record as the approval gate would queue it; the display
    /// copy hides `token`.
    func pending(by actor: Actor = AdminFixture.agent, arguments: [String: JSONValue] = ["value": "original", "token": "s3cret"],
                 reasonRequired: Bool = false, now: Date = Date()) async throws -> ApprovalRecord {
        var masked = arguments
        if masked["token"] != nil { masked["token"] = "[masked]" }
        return try await store.createPending(call: ToolCall(tool: "argv", arguments: arguments, actor: actor),
                                             decision: Self.reviewDecision(reasonRequired: reasonRequired),
                                             maskedArguments: masked, now: now)
    }
}

extension AgentClient {
    /// The JSON-RPC error a request gets, or nil when it succeeds.
    func failure(_ method: String, _ params: JSONValue) -> (code: Int, message: String)? {
        do {
            _ = try request(method, params: params)
            return nil
        } catch let error as AgentClientError {
            return (error.code, error.message)
        } catch {
            return (0, "\(error)")
        }
    }
}
