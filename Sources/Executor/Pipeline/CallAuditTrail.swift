import AirlockCore

/// Appends the audit events of one call. The identity block and the action
/// digest (a SHA-256 over the canonical arguments) are computed once per
/// call rather than once per event: a call writes up to six events.
struct CallAuditTrail: Sendable {
    let call: ToolCall
    let sink: any AuditSink
    private let actor: AuditEvent.ActorInfo
    private let digest: String

    private let arguments: JSONValue

    /// `malformed`: the call names no tool of the catalog or its arguments
    /// fail the tool's schema. Its arguments are then kept as a preview of
    /// at most `previewBytes` and their size, not whole: any agent can send
    /// such calls, up to the frame limit each, and they must not be able to
    /// fill the audit disk (the digest still names the exact arguments).
    init(call: ToolCall, sink: any AuditSink, malformed: Bool = false) {
        self.call = call
        self.sink = sink
        actor = AuditEvent.ActorInfo(call.actor, claims: call.claims)
        digest = call.actionDigest
        arguments = malformed ? Self.preview(of: .object(call.arguments)) : .object(call.arguments)
    }

    static let previewBytes = 4096

    static func preview(of arguments: JSONValue) -> JSONValue {
        let text = arguments.canonicalText
        guard text.utf8.count > previewBytes else { return arguments }
        let cut = String(decoding: text.utf8.prefix(previewBytes), as: UTF8.self)
        return .object(["preview": .string(cut), "bytes": .int(Int64(text.utf8.count)), "truncated": true])
    }

    /// Throws when the store cannot record the event; the caller refuses the call.
    func append(_ kind: AuditEvent.Kind, _ fields: [String: JSONValue] = [:]) async throws {
        try await sink.append(AuditEvent(kind: kind, callID: call.id, actor: actor, tool: call.tool,
                                         arguments: arguments, argumentsDigest: digest, fields: fields))
    }
}
