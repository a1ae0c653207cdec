import AirlockCore

/// Appends the audit events of one call. The identity block and the action
/// digest (a SHA-256 over the canonical arguments) are computed once per
/// call rather than once per event: a call writes up to six events.
struct CallAuditTrail: Sendable {
    let call: ToolCall
    let sink: any AuditSink
    private let actor: AuditEvent.ActorInfo
    private let digest: String

    init(call: ToolCall, sink: any AuditSink) {
        self.call = call
        self.sink = sink
        actor = AuditEvent.ActorInfo(call.actor, claims: call.claims)
        digest = call.actionDigest
    }

    /// Throws when the store cannot record the event; the caller refuses the call.
    func append(_ kind: AuditEvent.Kind, _ fields: [String: JSONValue] = [:]) async throws {
        try await sink.append(AuditEvent(kind: kind, callID: call.id, actor: actor, tool: call.tool,
                                         arguments: .object(call.arguments), argumentsDigest: digest, fields: fields))
    }
}
