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
    var approvalsPath: String { state.appendingPathComponent("approvals.sqlite").path }

    /// Tools that print the secret they were given, to prove it comes back
    /// masked: one the policy permits, one it sends to review.
    static let extraTools = #"""
      - name: echo_secret
        description: Prints the API token it was given.
        inputSchema: { type: object, properties: {}, additionalProperties: false }
        command: ["/bin/sh", "-c", "echo token=$API_TOKEN; echo credential=${AIRLOCK_TOKEN:+present}"]
        profile: shell
        secrets:
          - { name: api_token, from_env: AIRLOCK_TEST_API_TOKEN, env: API_TOKEN }
      - name: echo_secret_reviewed
        description: Prints the API token it was given, once an approver agreed.
        inputSchema: { type: object, properties: { note: { type: string } }, additionalProperties: false }
        command: ["/bin/sh", "-c", "echo token=$API_TOKEN; echo stderr-token=$API_TOKEN >&2"]
        profile: shell
        secrets:
          - { name: api_token, from_env: AIRLOCK_TEST_API_TOKEN, env: API_TOKEN }
      - name: print_credentials
        description: Prints its whole environment and its action token file, on both streams.
        inputSchema: { type: object, properties: {}, additionalProperties: false }
        command: ["/bin/sh", "-c", "/usr/bin/env; echo file=$(cat /run/airlock/token); cat /run/airlock/token >&2"]
        profile: shell
    """#

    /// The uid that may approve in `withApprovals` daemons (never the test's own).
    static let approverUID: UInt32 = 65534

    /// `extraConfig` is appended to the example config (e.g. a `webhooks:`
    /// section); `environment` is added to the daemon's (where `from_env`
    /// and `secret_env` are read); every component logs to `logs`;
    /// `adjustHooks` may wrap the composed hooks (to observe them).
    static func start(extraConfig: String = "", withApprovals: Bool = false, environment: [String: String] = [:],
                      logs: LogCapture = LogCapture(),
                      adjustHooks: (inout PipelineHooks) -> Void = { _ in }) async throws -> ComposedDaemon {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-composed-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let exampleFile = repository.appendingPathComponent("Examples/airlock.yaml")
        // The default policy plus a permit for the test tool.
        let policy = try String(contentsOf: repository.appendingPathComponent("Examples/policy.yaml"), encoding: .utf8) + """

              - id: test-permit-echo-secret
                effect: permit
                match: { tool: [echo_secret, echo_secret_reviewed] }
                reason: The secret-masking test tools (the reviewed one is held by the review below).

              - id: test-permit-print-credentials
                effect: permit
                match: { tool: print_credentials }
                reason: The action-token masking test tool.

              - id: test-review-echo-secret
                effect: review
                match: { tool: echo_secret_reviewed }
                reason: The reviewed secret-masking test tool.
                review: { group: security, threshold: 1 }

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
        let environment = environment.merging(["AIRLOCK_TEST_API_TOKEN": secretValue]) { mine, _ in mine }
        var config = try ConfigLoader.parse(yaml: yaml, file: exampleFile.path, environment: environment)
        let modules = await DaemonModules.compose(config: config, logger: logs.logger("airlockd"), environment: environment)
        let runner = try SandboxToolRunner.loading(profiles: config.catalog.profileNames, from: config.profilesDirectory)
        var hooks = modules.hooks
        adjustHooks(&hooks)
        var approvals: ApprovalFlow?
        if withApprovals {
            // The example's approvers replaced by one who is not the test's uid,
            // with the queue and admin socket in the state directory; then the
            // flow exactly as airlockd composes it.
            config.approvers = [
                "database": .string(state.appendingPathComponent("approvals.sqlite").path),
                "wait_seconds": 120,
                "admin_socket": ["path": .string(state.appendingPathComponent("admin.sock").path)],
                "people": [["uid": .int(Int64(approverUID)), "person": "night-shift", "groups": ["security", "dba"]]],
            ]
            let flow = try #require(try ApprovalFlow.configured(by: config, modules: modules,
                                                                logger: logs.logger("airlock.approvals")))
            _ = try await flow.start()
            hooks.approvals = flow.gate
            approvals = flow
        }
        let executor = try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks,
                                    execution: ExecutionSettings(maxRunning: 4, maxQueued: 64, queueTimeoutSeconds: 900),
                                    logger: logs.logger("airlock.executor"))
        var settings = config.server
        settings.socketPath = state.appendingPathComponent("agent.sock").path
        let server = try await AgentServer.start(settings: settings, executor: executor, actors: config.actors,
                                                 approvals: approvals?.gate, logger: logs.logger("airlock.server"))
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
