import AirlockCore
import Credentials
import Sandbox
import Foundation
import Logging
import Testing
@testable import Executor

@Suite("executor pipeline")
struct ExecutorPipelineTests {
    let actor = Actor(name: "tester", roles: ["agent"], uid: getuid(), gid: getgid(), pid: getpid())

    func executor(_ hooks: PipelineHooks, runner: ProcessToolRunner = ProcessToolRunner(),
                  execution: ExecutionSettings = ExecutionSettings()) throws -> Executor {
        let config = try ConfigLoader.parse(yaml: testCatalogYAML, file: "/tmp/airlock-test.yaml")
        return try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks, execution: execution)
    }

    func call(_ tool: String, _ arguments: [String: JSONValue]) -> ToolCall {
        ToolCall(tool: tool, arguments: arguments, actor: actor)
    }

    @Test func defaultHooksRefuseAndRunNothing() async throws {
        let runner = ProcessToolRunner()
        let outcome = try await executor(.failClosed, runner: runner).execute(call("shell", ["command": "true"]))
        guard case .refused(let error, _) = outcome else { Issue.record("ran: \(outcome)"); return }
        #expect(error.code == .auditUnavailable)
        #expect(runner.startedPIDs.isEmpty)
    }

    @Test func withoutAPolicyNothingRuns() async throws {
        let runner = ProcessToolRunner()
        let hooks = PipelineHooks(policy: NoPolicyConfigured(), approvals: NoApprovalFlowConfigured(),
                                  credentials: TestCredentials(), audit: MemoryAudit())
        let outcome = try await executor(hooks, runner: runner).execute(call("shell", ["command": "true"]))
        guard case .refused(let error, _) = outcome else { Issue.record("ran: \(outcome)"); return }
        #expect(error.code == .invalidPolicy)
        #expect(runner.startedPIDs.isEmpty)
    }

    @Test func anAllowedCallRunsAndIsAudited() async throws {
        let audit = MemoryAudit()
        let credentials = TestCredentials()
        let outcome = try await executor(.permissive(audit: audit, credentials: credentials))
            .execute(call("shell", ["command": "echo out; echo err >&2; exit 3"]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        #expect(result.exitCode == 3)
        #expect(result.stdout.text == "out\n")
        #expect(result.stderr.text == "err\n")
        #expect(audit.kinds == [.callReceived, .policyDecided, .credentialIssued, .runStarted, .runFinished])
        #expect(credentials.retired == 1)
    }

    @Test func stdinComesFromTheDeclaredArgument() async throws {
        let outcome = try await executor(.permissive()).execute(call("cat", ["text": "line one\n$(not run)"]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        #expect(result.stdout.text == "line one\n$(not run)")
    }

    @Test func aDenyDecisionNamesTheRule() async throws {
        let audit = MemoryAudit()
        let runner = ProcessToolRunner()
        let deny = Decision(effect: .deny, ruleIDs: ["no-shell"], reasons: ["shell is disabled for agents"], policyRevision: "r1")
        let hooks = PipelineHooks(policy: FixedPolicy(decision: deny), approvals: NoApprovalFlowConfigured(),
                                  credentials: TestCredentials(), audit: audit)
        let outcome = try await executor(hooks, runner: runner).execute(call("shell", ["command": "true"]))
        guard case .refused(let error, let decision) = outcome else { Issue.record("ran: \(outcome)"); return }
        #expect(error.code == .policyDenied)
        #expect(error.message == "denied by rule no-shell: shell is disabled for agents")
        #expect(decision == deny)
        #expect(runner.startedPIDs.isEmpty)
        #expect(audit.kinds == [.callReceived, .policyDecided, .callRefused])
    }

    @Test func reviewWithoutAnApprovalFlowIsRefused() async throws {
        let review = Decision(effect: .review, ruleIDs: ["needs-human"], reasons: ["bulk delete"], policyRevision: "r1",
                              review: ReviewRequirement(group: "dba", ruleID: "needs-human", message: "bulk delete"))
        let runner = ProcessToolRunner()
        let hooks = PipelineHooks(policy: FixedPolicy(decision: review), approvals: NoApprovalFlowConfigured(),
                                  credentials: TestCredentials(), audit: MemoryAudit())
        let outcome = try await executor(hooks, runner: runner).execute(call("shell", ["command": "true"]))
        guard case .refused(let error, _) = outcome else { Issue.record("ran: \(outcome)"); return }
        #expect(error.code == .approvalDenied)
        #expect(runner.startedPIDs.isEmpty)
    }

    @Test func anApprovedCallRunsTheStoredArguments() async throws {
        let review = Decision(effect: .review, ruleIDs: ["r"], reasons: ["check"], policyRevision: "r1")
        let approvals = FixedApprovals { call in
            var stored = call
            stored.arguments = ["command": "echo stored"]
            return .approved(approvalID: "apr-1", call: stored)
        }
        let hooks = PipelineHooks(policy: FixedPolicy(decision: review), approvals: approvals,
                                  credentials: TestCredentials(), audit: MemoryAudit())
        let outcome = try await executor(hooks).execute(call("shell", ["command": "echo resent"]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        #expect(result.stdout.text == "stored\n")
    }

    @Test func aPendingApprovalIsReported() async throws {
        let review = Decision(effect: .review, ruleIDs: ["r"], reasons: ["check"], policyRevision: "r1")
        let hooks = PipelineHooks(policy: FixedPolicy(decision: review), approvals: FixedApprovals { _ in .pending(approvalID: "apr-9") },
                                  credentials: TestCredentials(), audit: MemoryAudit())
        let outcome = try await executor(hooks).execute(call("shell", ["command": "true"]))
        guard case .pending(let id, _) = outcome else { Issue.record("unexpected: \(outcome)"); return }
        #expect(id == "apr-9")
    }

    @Test func anAuditFailureBeforeTheRunMeansNoRun() async throws {
        let runner = ProcessToolRunner()
        let outcome = try await executor(.permissive(audit: MemoryAudit(failOn: [.runStarted])), runner: runner)
            .execute(call("shell", ["command": "true"]))
        guard case .refused(let error, _) = outcome else { Issue.record("ran: \(outcome)"); return }
        #expect(error.code == .auditUnavailable)
        #expect(runner.startedPIDs.isEmpty)
    }

    @Test func anUnrecordableResultIsNotReleased() async throws {
        let outcome = try await executor(.permissive(audit: MemoryAudit(failOn: [.runFinished])))
            .execute(call("shell", ["command": "echo secret-result"]))
        guard case .refused(let error, _) = outcome else { Issue.record("released: \(outcome)"); return }
        #expect(error.code == .auditUnavailable)
    }

    @Test func invalidArgumentsNeverReachThePolicy() async throws {
        let policy = RecordingAllowPolicy()
        let exec = try executor(.permissive(policy: policy))
        for (tool, arguments) in [("sleep", ["seconds": JSONValue.string("1")]), ("sleep", ["seconds": 500]),
                                  ("shell", [:]), ("argv", ["value": "x", "more": 1])] {
            let outcome = await exec.execute(call(tool, arguments))
            guard case .refused(let error, _) = outcome else { Issue.record("ran: \(outcome)"); continue }
            #expect(error.code == .invalidArguments)
            #expect(error.message.contains("$"))
        }
        let unknown = await exec.execute(call("nope", [:]))
        guard case .refused(let error, _) = unknown else { Issue.record("ran"); return }
        #expect(error.code == .unknownTool)
        #expect(error.message.contains("argv, shell, sleep, cat"))
        // A huge unknown name is quoted in part, with its size.
        let huge = await exec.execute(call(String(repeating: "n", count: 100_000), [:]))
        guard case .refused(let hugeError, _) = huge else { Issue.record("ran"); return }
        #expect(hugeError.message.utf8.count < 300 && hugeError.message.contains("(100000 bytes)"), "\(hugeError.message.prefix(200))")
        #expect(policy.calls.isEmpty)
    }

    /// Any agent can send calls no tool accepts, each up to the frame
    /// limit: the trail keeps a bounded preview and the size of their
    /// arguments (the digest still names them exactly), while a valid
    /// call's arguments are kept whole.
    @Test func refusedMalformedCallsKeepOnlyABoundedPreview() async throws {
        let audit = MemoryAudit()
        let exec = try executor(.permissive(audit: audit))
        let big = String(repeating: "x", count: 1 << 20)
        _ = await exec.execute(call("nope", ["blob": .string(big)]))
        _ = await exec.execute(call("sleep", ["seconds": .string(big)]))
        let malformed = audit.events
        #expect(malformed.map(\.kind) == [.callReceived, .callRefused, .callReceived, .callRefused])
        for event in malformed {
            #expect(event.arguments?["truncated"] == true)
            #expect((event.arguments?["preview"]?.stringValue?.utf8.count ?? .max) <= 4096)
            #expect(event.arguments?["bytes"]?.intValue ?? 0 > 1 << 20)
            #expect(event.argumentsDigest?.count == 64)
        }
        _ = await exec.execute(call("shell", ["command": "true"]))
        #expect(audit.events.last?.arguments == ["command": "true"])
    }

    @Test func injectedSecretsAreMaskedInOutput() async throws {
        let credentials = TestCredentials(secrets: ["API_TOKEN": "s3cr3t-value-123"])
        let outcome = try await executor(.permissive(credentials: credentials))
            .execute(call("shell", ["command": "echo token=$API_TOKEN; echo $API_TOKEN >&2"]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        #expect(result.stdout.text == "token=[REDACTED:secret:API_TOKEN]\n")
        #expect(result.stderr.text == "[REDACTED:secret:API_TOKEN]\n")
    }

    /// A tool rarely prints its credential verbatim only: an Authorization
    /// header carries it base64'd, a URL percent-encoded.
    @Test func injectedSecretsAreMaskedInTheirCommonEncodings() async throws {
        let secret = "s3cr3t/value+123"
        let credentials = TestCredentials(secrets: ["API_TOKEN": secret])
        let outcome = try await executor(.permissive(credentials: credentials))
            .execute(call("shell", ["command": "printf '%s' \"$API_TOKEN\" | base64; printf '%s' \"$API_TOKEN\" | od -An -tx1 | tr -d ' \\n'"]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        let base64 = Data(secret.utf8).base64EncodedString()
        let hex = Data(secret.utf8).map { String(format: "%02x", $0) }.joined()
        #expect(!result.stdout.text.contains(base64) && !result.stdout.text.contains(hex), "\(result.stdout.text)")
        #expect(result.stdout.text.components(separatedBy: "[REDACTED:secret:API_TOKEN]").count == 3, "\(result.stdout.text)")
    }

    @Test func toolLimitsTightenTheProfile() async throws {
        let runner = ProcessToolRunner(profiles: ["test": ResourceLimits(wallSeconds: 0.3)])
        let outcome = try await executor(.permissive(), runner: runner).execute(call("sleep", ["seconds": 30]))
        guard case .completed(let result) = outcome else { Issue.record("not run: \(outcome)"); return }
        #expect(result.termination == .limitKilled)
        #expect(result.limitsHit.map(\.kind) == [.wallClock])
        #expect(runner.requests.first?.limits?.wallSeconds == 0.3)
    }

    @Test func anUnknownProfileStopsTheExecutorFromStarting() throws {
        let config = try ConfigLoader.parse(yaml: testCatalogYAML, file: "/tmp/airlock-test.yaml")
        let runner = ProcessToolRunner(profiles: ["other": ResourceLimits()])
        #expect(throws: AirlockError.self) { try Executor(catalog: config.catalog, runner: runner, profiles: runner) }
    }

    @Test func aFullQueueAnswersBusy() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let gate = directory.appendingPathComponent("open").path
        let exec = try executor(.permissive(), execution: ExecutionSettings(maxRunning: 1, maxQueued: 0, queueTimeoutSeconds: 30))
        let first = Task { await exec.execute(call("shell", ["command": .string("while [ ! -e '\(gate)' ]; do sleep 0.02; done")])) }
        // Wait until the first call holds the only slot, then a second one has nowhere to wait.
        #expect(await eventuallyAsync { await exec.slotsInUse == 1 })
        let second = await exec.execute(call("shell", ["command": "true"]))
        guard case .refused(let error, _) = second else { Issue.record("ran: \(second)"); return }
        #expect(error.code == .busy)
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        guard case .completed = await first.value else { Issue.record("first call did not complete"); return }
    }

}

/// What the recorder read from the sandbox's memory (paths, addresses)
/// goes to the agent and the audit record like the output does: an
/// injected secret in it is masked too.
@Suite("Secret masking of a run's report")
struct RunReportMaskingTests {
    @Test func secretsInRecordedPathsAndAddressesAreMasked() throws {
        let secret = "s3cr3t-token-value"
        var result = JSONValueEncoderTests.result
        result.recordedSyscalls = [SyscallRecord(name: "execve", number: 59, arguments: [], path: "/" + secret,
                                                 outcome: "allowed", count: 1)]
        result.deniedSyscalls = [SyscallRecord(name: "connect", number: 42, arguments: [], address: "unix:/run/\(secret).sock",
                                               outcome: "denied:EPERM", count: 1)]
        let masked = Executor.masking([ResolvedSecret(name: "API_KEY", value: secret)], in: result)
        let text = try JSONValue(encoding: masked).canonicalText
        #expect(!text.contains(secret), "\(text)")
        #expect(masked.recordedSyscalls.first?.path?.contains("API_KEY") == true)
    }
}
