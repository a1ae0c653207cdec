import AirlockCore

/// Everything the policy sees about one call. `intent` comes from the tool
/// catalog: which extractor reads which argument.
public struct PolicyRequest: Sendable {
    public var tool: String
    public var arguments: [String: JSONValue]
    public var actor: Actor
    public var claims: CallClaims
    public var intent: [IntentBinding]

    public init(tool: String, arguments: [String: JSONValue], actor: Actor, claims: CallClaims = CallClaims(), intent: [IntentBinding] = []) {
        self.tool = tool
        self.arguments = arguments
        self.actor = actor
        self.claims = claims
        self.intent = intent
    }

    public init(call: ToolCall, intent: [IntentBinding]) {
        self.init(tool: call.tool, arguments: call.arguments, actor: call.actor, claims: call.claims, intent: intent)
    }
}
