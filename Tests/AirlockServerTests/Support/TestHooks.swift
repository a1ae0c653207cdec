import AirlockCore
import Sandbox
import Executor
import Synchronization

/// Test doubles for the pipeline hooks. Each is passed explicitly by the
/// test that wants it; the shipped default is `PipelineHooks.failClosed`.

/// Allows every call and remembers what it was asked, so tests can check
/// identity and claims as the policy would see them.
final class RecordingAllowPolicy: PolicyDecider {
    private let seen = Mutex<[ToolCall]>([])
    var calls: [ToolCall] { seen.withLock { $0 } }

    func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision {
        seen.withLock { $0.append(call) }
        return Decision(effect: .allow, ruleIDs: ["test-allow"], reasons: ["test double allows everything"],
                        policyRevision: "test")
    }
}

/// Returns one fixed decision.
struct FixedPolicy: PolicyDecider {
    var decision: Decision
    func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision { decision }
}

/// Issues an empty credential (or the given secrets) and counts retirements.
final class TestCredentials: CredentialIssuer {
    let secrets: [String: String]
    private let retiredCount = Mutex(0)
    var retired: Int { retiredCount.withLock { $0 } }

    init(secrets: [String: String] = [:]) { self.secrets = secrets }

    func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials {
        RunCredentials(environment: secrets, secrets: secrets, tokenID: "jti-\(call.id)")
    }

    func retire(_ credentials: RunCredentials, call: ToolCall) async { retiredCount.withLock { $0 += 1 } }
}

/// Keeps every event in memory; can be told to fail from a given kind on.
final class MemoryAudit: AuditSink {
    private let state = Mutex<[AuditEvent]>([])
    let failOn: Set<AuditEvent.Kind>

    init(failOn: Set<AuditEvent.Kind> = []) { self.failOn = failOn }

    var events: [AuditEvent] { state.withLock { $0 } }
    var kinds: [AuditEvent.Kind] { events.map(\.kind) }

    func append(_ event: AuditEvent) async throws {
        try appendNow(event)
    }

    func appendNow(_ event: AuditEvent) throws {
        if failOn.contains(event.kind) { throw AirlockError(.auditUnavailable, "test audit store refuses \(event.kind.rawValue)") }
        state.withLock { $0.append(event) }
    }

    /// The same log as an approval store's synchronous sink.
    var approvalSink: @Sendable (AuditEvent) throws -> Void { { try self.appendNow($0) } }
}

/// Answers `review` with a fixed outcome.
struct FixedApprovals: ApprovalGate {
    var outcome: @Sendable (ToolCall) throws -> ApprovalOutcome
    func requestApproval(for call: ToolCall, tool: ToolDefinition, decision: Decision,
                         progress: ProgressReporter) async throws -> ApprovalOutcome {
        try outcome(call)
    }
}

extension PipelineHooks {
    /// Everything allowed, recorded in memory: for tests of the transport.
    static func permissive(policy: any PolicyDecider = RecordingAllowPolicy(), audit: MemoryAudit = MemoryAudit(),
                           credentials: TestCredentials = TestCredentials()) -> PipelineHooks {
        PipelineHooks(policy: policy, approvals: NoApprovalFlowConfigured(), credentials: credentials, audit: audit)
    }
}
