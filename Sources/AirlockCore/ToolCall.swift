import Foundation

/// Claims the caller makes about a call (MCP `_meta`): carried and audited,
/// never trusted for identity.
public struct CallClaims: Sendable, Hashable, Codable {
    /// `_meta.on_behalf_of`: the principal the agent says it acts for.
    public var onBehalfOf: String?
    /// `_meta.reason`: why the agent says it wants this.
    public var reason: String?
    /// Every other `_meta` field, kept verbatim for the audit trail.
    public var extra: [String: JSONValue]

    public init(onBehalfOf: String? = nil, reason: String? = nil, extra: [String: JSONValue] = [:]) {
        self.onBehalfOf = onBehalfOf
        self.reason = reason
        self.extra = extra
    }
}

/// One tool call as it enters the executor pipeline.
public struct ToolCall: Sendable, Hashable, Codable {
    /// Unique id for this call, the key of its audit story.
    public var id: String
    public var tool: String
    /// The arguments object exactly as received (validated later).
    public var arguments: [String: JSONValue]
    public var actor: Actor
    public var claims: CallClaims
    public var receivedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), tool: String, arguments: [String: JSONValue],
                actor: Actor, claims: CallClaims = CallClaims(), receivedAt: Date = Date()) {
        self.id = id
        self.tool = tool
        self.arguments = arguments
        self.actor = actor
        self.claims = claims
        self.receivedAt = receivedAt
    }

    /// sha256 over the canonical `{"arguments":…,"tool":…}`: the action a
    /// credential and an approval are bound to.
    public var actionDigest: String { ToolCall.actionDigest(tool: tool, arguments: arguments) }

    public static func actionDigest(tool: String, arguments: [String: JSONValue]) -> String {
        Digest.sha256Hex(JSONValue.object(["tool": .string(tool), "arguments": .object(arguments)]))
    }
}
