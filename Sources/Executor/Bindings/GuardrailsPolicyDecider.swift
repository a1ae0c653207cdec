import AirlockCore
import Guardrails

/// The guardrail policy as the pipeline's `PolicyDecider`: the catalog's
/// intent declarations tell the policy which extractor reads which argument.
public struct GuardrailsPolicyDecider: PolicyDecider {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    public func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision {
        policy.decide(PolicyRequest(
            tool: call.tool, arguments: call.arguments, actor: call.actor, claims: call.claims,
            intent: tool.intent.map { IntentBinding(extractor: Self.kind($0.extractor), argument: $0.argument) }))
    }

    static func kind(_ extractor: IntentDeclaration.Extractor) -> IntentExtractorKind {
        switch extractor {
        case .sql: .sql
        case .shell: .shell
        case .network: .network
        }
    }
}
