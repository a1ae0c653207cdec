import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Testing
import WebhookTestSupport

/// The `webhooks:` section of the daemon config, from YAML to a POST: what
/// loads, what is refused (with file, line and setting), and that the flow
/// airlockd composes from it signs, retries and gives up as configured
/// without ever touching the record.
@Suite("daemon config: webhooks", .serialized)
struct WebhookConfigTests {
    static let file = "/etc/airlock/airlock.yaml"
    /// Lines 1–2; the `webhooks:` section starts on line 3, its first entry on line 4.
    static let approvers = "approvers:\n  people: [{ uid: 1000, person: alice, groups: [oncall] }]\n"

    func loadError(_ yaml: String, environment: [String: String] = [:]) -> String {
        do {
            _ = try ConfigLoader.parse(yaml: yaml + testCatalogYAML, file: Self.file, environment: environment)
            return "loaded"
        } catch let error as AirlockError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    func webhook(_ lines: String) -> String { Self.approvers + "webhooks:\n  - " + lines + "\n" }

    @Test("invalid entries are load errors naming file, line and setting")
    func invalidEntriesAreLoadErrors() throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.key").path
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        chmod(empty, 0o600)
        let cases: [(yaml: String, prefix: String, phrase: String)] = [
            (webhook("url: https://hooks.example/x\n    format: slack\n    secret_env: HOOK"),
             "\(Self.file):4: webhooks[0].url:", "only http:// works"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret: hunter2"),
             "\(Self.file):6: webhooks[0].secret:", "inline secret"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack"),
             "\(Self.file):4: webhooks[0]:", "exactly one of 'secret_file' or 'secret_env'"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n    secret_file: /x"),
             "\(Self.file):4: webhooks[0]:", "exactly one of"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: AIRLOCK_UNSET_HOOK_SECRET"),
             "\(Self.file):6: webhooks[0].secret_env:", "AIRLOCK_UNSET_HOOK_SECRET is not set"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_file: /nonexistent/hook.key"),
             "\(Self.file):6: webhooks[0].secret_file:", "cannot read /nonexistent/hook.key"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_file: \(empty)"),
             "\(Self.file):6: webhooks[0].secret_file:", "is empty"),
            (webhook("url: http://127.0.0.1:9/x\n    format: teams\n    secret_env: HOOK"),
             "\(Self.file):5: webhooks[0].format:", "expected slack or generic"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n    retries: 3"),
             "\(Self.file):7: webhooks[0].retries:", "unknown key"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n    retry: { max_attempts: 0 }"),
             "\(Self.file):7: webhooks[0].retry.max_attempts:", "≥ 1"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n    retry: { attempt_timeout_seconds: -1 }"),
             "\(Self.file):7: webhooks[0].retry.attempt_timeout_seconds:", "positive"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n"
                     + "    retry: { initial_backoff_seconds: 5, max_backoff_seconds: 1 }"),
             "\(Self.file):7: webhooks[0].retry:", "at least initial_backoff_seconds"),
            (webhook("url: http://127.0.0.1:9/x\n    format: slack\n    secret_env: HOOK\n"
                     + "  - { url: \"http://127.0.0.1:9/x\", format: generic, secret_env: HOOK }"),
             "\(Self.file):7: webhooks[1].url:", "listed twice"),
            ("webhooks:\n  - { url: \"http://127.0.0.1:9/x\", format: slack, secret_env: HOOK }\n",
             "\(Self.file):2: webhooks:", "no 'approvers:' section"),
        ]
        for (yaml, prefix, phrase) in cases {
            let message = loadError(yaml, environment: ["HOOK": "a-signing-secret"])
            #expect(message.hasPrefix(prefix) && message.contains(phrase), "\(yaml)\n→ \(message)")
            #expect(!message.contains("a-signing-secret") && !message.contains("hunter2"))
        }
    }

    @Test("a valid section loads: relative secret files, environment secrets, retry settings")
    func validSectionLoads() throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "from-a-file\n".write(to: directory.appendingPathComponent("hook.key"), atomically: true, encoding: .utf8)
        chmod(directory.appendingPathComponent("hook.key").path, 0o600)
        let yaml = Self.approvers + """
            webhooks:
              - url: http://127.0.0.1:8089/slack/relay
                format: slack
                secret_file: hook.key
                retry: { max_attempts: 7, initial_backoff_seconds: 0.25, max_backoff_seconds: 4, attempt_timeout_seconds: 3 }
              - { url: "http://127.0.0.1:8090/", format: generic, secret_env: HOOK }

            """ + testCatalogYAML
        let config = try ConfigLoader.parse(yaml: yaml, file: directory.appendingPathComponent("airlock.yaml").path,
                                            environment: ["HOOK": "from-the-environment"])
        #expect(config.webhooks.map(\.format) == [.slack, .generic])
        #expect(config.webhooks.map(\.secret) == ["from-a-file", "from-the-environment"])
        #expect(config.webhooks[0].retry == WebhookRetryPolicy(maxAttempts: 7, initialBackoff: .milliseconds(250),
                                                              maxBackoff: .seconds(4), attemptTimeout: .seconds(3)))
        #expect(config.webhooks[1].retry == WebhookRetryPolicy())
        // What a log line or an error would show of them: no secret, no URL path.
        let shown = "\(config.webhooks) \(config.webhooks.map(String.init(reflecting:)))"
        #expect(!shown.contains("from-a-file") && !shown.contains("from-the-environment") && !shown.contains("relay"))
    }

    @Test("the documented sections (README, Examples/airlock.yaml) load as written, with the default retry")
    func documentedSectionsLoad() throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("webhook.key").path
        try "documented-secret\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        let repository = ComposedDaemon.repository
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let readmeSection = try #require(readme.components(separatedBy: "```yaml\n")
            .first { $0.hasPrefix("webhooks:") }?.components(separatedBy: "```").first)
        // The example file ships the section commented out; uncomment it.
        let exampleLines = try String(contentsOf: repository.appendingPathComponent("Examples/airlock.yaml"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0 != "# webhooks:" }
            .prefix { $0 == "# webhooks:" || $0.hasPrefix("#   ") }
        let exampleSection = exampleLines.map { $0.dropFirst(2) }.joined(separator: "\n")
        #expect(exampleLines.count > 3)
        for section in [readmeSection, exampleSection] {
            let yaml = Self.approvers + section.replacingOccurrences(of: "/etc/airlock/webhook.key", with: keyFile)
                + "\n" + testCatalogYAML
            let config = try ConfigLoader.parse(yaml: yaml, file: Self.file)
            #expect(config.webhooks.count == 1)
            #expect(config.webhooks.first?.format == .slack)
            #expect(config.webhooks.first?.secret == "documented-secret")
            #expect(config.webhooks.first?.retry == WebhookRetryPolicy())
        }
    }

    @Test("the flow airlockd composes posts signed, retries a 500, gives up on a dead receiver and keeps the record")
    func composedFlowDelivers() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let signingSecret = "file-signing-\(UUID().uuidString.prefix(8))"
        try (signingSecret + "\n").write(to: directory.appendingPathComponent("webhook.key"), atomically: true, encoding: .utf8)
        chmod(directory.appendingPathComponent("webhook.key").path, 0o600)
        let receiver = try await WebhookReceiver.start(statuses: [500])
        let yaml = """
            approvers:
              database: approvals.sqlite
              admin_socket: { path: admin.sock }
              people: [{ uid: \(AdminFixture.me), person: tester, groups: [\(AdminFixture.approverGroup)] }]
            webhooks:
              - url: \(receiver.url)
                format: generic
                secret_file: webhook.key
                retry: { max_attempts: 2, initial_backoff_seconds: 0.01, max_backoff_seconds: 0.02, attempt_timeout_seconds: 5 }
            audit: { database: audit.sqlite }
            keys_dir: keys

            """ + testCatalogYAML
        let config = try ConfigLoader.parse(yaml: yaml, file: directory.appendingPathComponent("airlock.yaml").path)
        let logs = LogCapture()
        let modules = await DaemonModules.compose(config: config, logger: logs.logger("airlockd"))
        let flow = try #require(try ApprovalFlow.configured(by: config, modules: modules, logger: logs.logger("airlock.approvals")))
        defer { try? flow.store.close() }

        // A 500, then a 200: two requests, one delivery.
        let first = try await flow.store.createPending(
            call: ToolCall(tool: "argv", arguments: ["value": "first"], actor: AdminFixture.agent),
            decision: AdminFixture.reviewDecision(), maskedArguments: ["value": "first"])
        // Waits for this record's own line (delivered or not), so a failure
        // below says what happened instead of timing out.
        #expect(await eventually { logs.all.contains { $0.contains("webhook") && $0.contains(first.id) } })
        let requests = receiver.received
        #expect(requests.count == 2)
        #expect(Set(requests.map { $0.headers["x-airlock-delivery"] ?? "" }).count == 1)
        for request in requests {
            let timestamp = try #require(request.headers["x-airlock-timestamp"].flatMap { Int64($0) })
            let signature = try #require(request.headers["x-airlock-signature"])
            #expect(WebhookSignature.verify(body: request.body, timestamp: timestamp, signature: signature, secret: signingSecret))
            let body = try CanonicalJSON.parse(request.body)
            #expect(body["event"] == "approval.requested")
            #expect(body["approval"]?["id"] == .string(first.id))
            #expect(body["approval"]?["arguments"]?["value"] == "first")
            #expect(body["approve_command"] == .string("airlock approvals approve \(first.id)"))
        }
        #expect(logs.all.contains { $0.contains("webhook notified") && $0.contains("attempts=2") && $0.contains("status=200") },
                "\(logs.all.filter { $0.contains(first.id) })")

        // Nobody listening: the configured two attempts, then given up; the record is untouched.
        try await receiver.stop()
        let second = try await flow.store.createPending(
            call: ToolCall(tool: "argv", arguments: ["value": "second"], actor: AdminFixture.agent),
            decision: AdminFixture.reviewDecision(), maskedArguments: ["value": "second"])
        #expect(await eventually { logs.all.contains { $0.contains("webhook") && $0.contains(second.id) } })
        #expect(logs.all.contains { $0.contains("webhook gave up") && $0.contains(second.id) && $0.contains("attempts=2") })
        let stored = try await flow.store.record(id: second.id)
        #expect(stored == second)
        #expect(stored.state == .pending)
        let approved = try await flow.store.approve(id: second.id, approverUID: AdminFixture.me)
        #expect(approved.state == .approved)

        #expect(!logs.text.contains(signingSecret))
        #expect(!logs.text.contains("/hooks/airlock"), "webhook paths stay out of the log")
        await modules.close()
    }
}
