import AirlockCore
import Sandbox

/// A policy file that failed to load: every call is refused with the load
/// error, so the admin and the agent both see exactly what to fix. Never a
/// fallback to "allow".
public struct UnloadablePolicy: PolicyDecider {
    public let error: AirlockError

    public init(error: AirlockError) { self.error = error }

    public func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision {
        throw AirlockError(.invalidPolicy, "the guardrail policy failed to load, so no call can run until it is fixed: \(error.message)")
    }
}

/// An audit store that could not be opened: nothing runs unrecorded.
public struct UnavailableAuditSink: AuditSink {
    public let error: AirlockError

    public init(error: AirlockError) { self.error = error }

    public func append(_ event: AuditEvent) async throws {
        throw AirlockError(.auditUnavailable, "the audit store is unavailable, and calls are never run unrecorded: \(error.message)")
    }
}

/// Signing keys that could not be loaded: no run without its credential.
public struct UnavailableCredentialIssuer: CredentialIssuer {
    public let error: AirlockError

    public init(error: AirlockError) { self.error = error }

    public func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials {
        throw AirlockError(.credentialInvalid, "cannot mint the run's credential: \(error.message)")
    }

    public func retire(_ credentials: RunCredentials, call: ToolCall) async {}
}
