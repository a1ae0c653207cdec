import AirlockCore
import AirlockServer
import Audit
import Executor
import Foundation
import Logging
import Sandbox
import Testing

/// The daemon as airlockd composes it — the example catalog, the default
/// policy, a real audit store, real signing keys and the sandbox engine —
/// in a temporary state directory, served on a temporary socket.
struct ComposedDaemon {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let secretValue = "s3cr3t-VALUE-\(UUID().uuidString.prefix(8))"

    let server: AgentServer
    let modules: DaemonModules
    let approvals: ApprovalFlow?
    let state: URL
    var socketPath: String { server.socketPath }
    var auditPath: String { state.appendingPathComponent("audit.sqlite").path }

    /// A tool that prints the secret it was given, to prove it comes back masked.
    static let extraTools = #"""
      - name: echo_secret
        description: Prints the API token it was given.
        inputSchema: { type: object, properties: {}, additionalProperties: false }
        command: ["/bin/sh", "-c", "echo token=$API_TOKEN; echo credential=${AIRLOCK_TOKEN:+present}"]
        profile: shell
        secrets:
          - { name: api_token, from_env: AIRLOCK_TEST_API_TOKEN, env: API_TOKEN }
    """#

    /// The uid that may approve in `withApprovals` daemons (never the test's own).
    static let approverUID: UInt32 = 65534

    static func start(extraConfig: String = "", withApprovals: Bool = false) async throws -> ComposedDaemon {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-composed-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let exampleFile = repository.appendingPathComponent("Examples/airlock.yaml")
        // The default policy plus a permit for the test tool.
        let policy = try String(contentsOf: repository.appendingPathComponent("Examples/policy.yaml"), encoding: .utf8) + """

              - id: test-permit-echo-secret
                effect: permit
                match: { tool: echo_secret }
                reason: The secret-masking test tool.

            """
        let policyFile = state.appendingPathComponent("policy.yaml")
        try policy.write(to: policyFile, atomically: true, encoding: .utf8)
        let example = try String(contentsOf: exampleFile, encoding: .utf8)
            .replacingOccurrences(of: "\npolicy: policy.yaml\n", with: "\npolicy: \(policyFile.path)\n")
        let yaml = example + extraTools + """

            audit:
              database: \(state.appendingPathComponent("audit.sqlite").path)
            keys_dir: \(state.appendingPathComponent("keys").path)
            \(extraConfig)
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: exampleFile.path)
        let logger = Logger(label: "airlock.test.composed")
        let modules = await DaemonModules.compose(config: config, logger: logger,
                                                  environment: ["AIRLOCK_TEST_API_TOKEN": secretValue])
        let runner = try SandboxToolRunner.loading(profiles: config.catalog.profileNames, from: config.profilesDirectory)
        var hooks = modules.hooks
        var approvals: ApprovalFlow?
        if withApprovals {
            // As airlockd composes it, with one approver who is not the test's uid.
            let section: JSONValue = [
                "database": .string(state.appendingPathComponent("approvals.sqlite").path),
                "wait_seconds": 120,
                "admin_socket": ["path": .string(state.appendingPathComponent("admin.sock").path)],
                "people": [["uid": .int(Int64(approverUID)), "person": "night-shift", "groups": ["security", "dba"]]],
            ]
            let settings = try #require(try ApprovalSettings.parse(section, configFile: exampleFile.path))
            let flow = try ApprovalFlow(settings: settings, mask: ApprovalMasking.verbatim, audit: BlockingAuditAppend.sink(modules.audit))
            _ = try await flow.start()
            hooks.approvals = flow.gate
            approvals = flow
        }
        let executor = try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks,
                                    execution: ExecutionSettings(maxRunning: 4, maxQueued: 64, queueTimeoutSeconds: 900))
        var settings = config.server
        settings.socketPath = state.appendingPathComponent("agent.sock").path
        let server = try await AgentServer.start(settings: settings, executor: executor, actors: config.actors,
                                                 approvals: approvals?.gate)
        return ComposedDaemon(server: server, modules: modules, approvals: approvals, state: state)
    }

    func stop() async {
        await server.shutdown()
        await approvals?.shutdown()
        await modules.close()
        try? FileManager.default.removeItem(at: state)
    }

    /// Every audit record of one call, in order.
    func story(of callID: String) throws -> [AuditRecord] {
        try AuditReader(path: auditPath).story(callID: callID)
    }

    func allRecords() throws -> [AuditRecord] {
        try AuditReader(path: auditPath).records()
    }
}
