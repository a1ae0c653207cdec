import AirlockCore
import Credentials
import Sandbox

/// The guardrail policy: decides allow / deny / review for a validated call.
public protocol PolicyDecider: Sendable {
    func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision
}

/// What the approval flow concluded for a call the policy sent to review.
public enum ApprovalOutcome: Sendable {
    /// Approved: run `call`, the stored action (not whatever the agent re-sends).
    case approved(approvalID: String, call: ToolCall)
    /// Not decided within the wait; the agent can resume with this id.
    case pending(approvalID: String)
}

/// The approval flow. Throws `approvalDenied` / `approvalExpired` (with the
/// approver's reason) when the action must not run.
public protocol ApprovalGate: Sendable {
    func requestApproval(for call: ToolCall, tool: ToolDefinition, decision: Decision,
                         progress: ProgressReporter) async throws -> ApprovalOutcome
}

/// What a run receives from the credentials module: a token bound to the
/// action and the tool's secrets, as environment and read-only files.
public struct RunCredentials: Sendable, Hashable {
    public var environment: [String: String]
    public var files: [InjectedFile]
    /// The injected secrets by name: their values (verbatim or in a common
    /// encoding) must never reach the agent, so they are masked in the output.
    public var secrets: [String: String]
    /// The token's `jti`, for the audit trail.
    public var tokenID: String?
    /// The action token itself, as injected. It verifies against the JWKS
    /// until it expires, so a tool that prints its environment or the token
    /// file must not hand it to the agent: it is masked out of the output
    /// (and so out of the audit record) like a secret.
    public var token: String?

    public init(environment: [String: String] = [:], files: [InjectedFile] = [], secrets: [String: String] = [:],
                tokenID: String? = nil, token: String? = nil) {
        self.environment = environment
        self.files = files
        self.secrets = secrets
        self.tokenID = tokenID
        self.token = token
    }

    /// Everything masked out of the run's output: the secrets, and the token
    /// under its own name (a secret declared with that name is kept too).
    var maskedValues: [ResolvedSecret] {
        secrets.map { ResolvedSecret(name: $0.key, value: $0.value) }
            + (token.map { [ResolvedSecret(name: "airlock_token", value: $0)] } ?? [])
    }
}

/// Mints per-run credentials after policy (and approval) passed, and marks
/// them used when the run ends.
public protocol CredentialIssuer: Sendable {
    func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials
    /// Called once the run is over (or failed to start); the token must be dead afterwards.
    func retire(_ credentials: RunCredentials, call: ToolCall) async
}

/// The audit trail. `append` returns only once the event is durable;
/// throwing makes the executor refuse the call (nothing runs unrecorded).
public protocol AuditSink: Sendable {
    func append(_ event: AuditEvent) async throws
}

/// Lets a long step (approval wait, queue, run) tell the client it is alive.
public struct ProgressReporter: Sendable {
    private let sink: @Sendable (String) -> Void

    public init(_ sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    public func report(_ message: String) { sink(message) }

    /// Drops every report, for callers that did not ask for progress.
    public static let silent = ProgressReporter { _ in }
}

/// The four pluggable steps of the pipeline. The composition root passes
/// the real modules; `failClosed` is what you get without them, and it
/// refuses every call with a message saying what is not configured.
public struct PipelineHooks: Sendable {
    public var policy: any PolicyDecider
    public var approvals: any ApprovalGate
    public var credentials: any CredentialIssuer
    public var audit: any AuditSink

    public init(policy: any PolicyDecider, approvals: any ApprovalGate, credentials: any CredentialIssuer,
                audit: any AuditSink) {
        self.policy = policy
        self.approvals = approvals
        self.credentials = credentials
        self.audit = audit
    }

    public static let failClosed = PipelineHooks(
        policy: NoPolicyConfigured(), approvals: NoApprovalFlowConfigured(),
        credentials: NoCredentialIssuerConfigured(), audit: NoAuditStoreConfigured())
}

/// Without a policy nothing is allowed (default deny).
public struct NoPolicyConfigured: PolicyDecider {
    public init() {}
    public func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision {
        throw AirlockError(.invalidPolicy, "no guardrail policy is loaded, so no call may run; "
            + "the admin must set 'policy:' in the daemon config")
    }
}

/// Without an approval flow a `review` decision can never become a run.
public struct NoApprovalFlowConfigured: ApprovalGate {
    public init() {}
    public func requestApproval(for call: ToolCall, tool: ToolDefinition, decision: Decision,
                                progress: ProgressReporter) async throws -> ApprovalOutcome {
        throw AirlockError(.approvalDenied, "this action needs a human approval (rule \(decision.ruleIDs.joined(separator: ", "))), "
            + "but no approval flow is configured on this daemon")
    }
}

/// Without a credential issuer no run gets started: a run without its
/// action-bound credential would be a quieter run than the design allows.
public struct NoCredentialIssuerConfigured: CredentialIssuer {
    public init() {}
    public func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials {
        throw AirlockError(.credentialInvalid, "no credential issuer is configured; calls cannot be run")
    }
    public func retire(_ credentials: RunCredentials, call: ToolCall) async {}
}

/// Without an audit store nothing runs (never unrecorded).
public struct NoAuditStoreConfigured: AuditSink {
    public init() {}
    public func append(_ event: AuditEvent) async throws {
        throw AirlockError(.auditUnavailable, "no audit store is configured, and calls are never run unrecorded")
    }
}
