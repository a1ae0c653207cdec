import AirlockCore

/// One rule of a policy, as loaded and checked. A class so that walking
/// the rules per decision retains one reference, not every field.
public final class PolicyRule: Sendable {
    public enum Effect: String, Sendable, Hashable, CaseIterable {
        case permit, forbid, review
    }

    /// What a `review` rule asks of the approval flow.
    public struct Review: Sendable, Hashable {
        public var group: String
        public var threshold: Int
        public var reasonRequired: Bool
    }

    public let id: String
    public let effect: Effect
    /// Tool names or `prefix*` patterns; empty means every tool.
    public let tools: [String]
    public let actorNames: [String]
    public let actorRoles: [String]
    public let actorUIDs: [UInt32]
    /// The condition as written, if any.
    public let condition: String?
    public let reason: String
    public let review: Review?
    /// Line of the rule in its file, for explanations.
    public let line: Int
    let compiled: CompiledCondition?

    init(id: String, effect: Effect, tools: [String], actorNames: [String], actorRoles: [String], actorUIDs: [UInt32],
         condition: String?, reason: String, review: Review?, line: Int, compiled: CompiledCondition?) {
        self.id = id
        self.effect = effect
        self.tools = tools
        self.actorNames = actorNames
        self.actorRoles = actorRoles
        self.actorUIDs = actorUIDs
        self.condition = condition
        self.reason = reason
        self.review = review
        self.line = line
        self.compiled = compiled
    }

    /// Whether this rule's condition looks at the unparsed input of every
    /// extractor in `sources` ("sql", "shell", "network"): through the
    /// top-level `unparsed` or `unparsedReasons`, or through each source's own
    /// `<source>.unparsed`. Only such a permit may allow a call whose intent
    /// could not be fully parsed; a permit that reads `network.unparsed` has
    /// said nothing about a shell command nobody could read.
    func considersUnparsed(from sources: Set<String>) -> Bool {
        guard let paths = compiled?.referencedPaths else { return false }
        if paths.contains("unparsed") || paths.contains("unparsedReasons") { return true }
        return !sources.isEmpty && sources.allSatisfy { paths.contains("\($0).unparsed") }
    }

    func matchesActor(_ actor: Actor) -> Bool {
        (actorNames.isEmpty || actorNames.contains(actor.name))
            && (actorRoles.isEmpty || actor.roles.contains(where: actorRoles.contains))
            && (actorUIDs.isEmpty || actorUIDs.contains(actor.uid))
    }

    /// The canonical form that the policy revision digests.
    var canonical: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "effect": .string(effect.rawValue), "reason": .string(reason),
            "match": .object([
                "tool": .array(tools.map(JSONValue.string)),
                "actor": .object([
                    "name": .array(actorNames.map(JSONValue.string)),
                    "role": .array(actorRoles.map(JSONValue.string)),
                    "uid": .array(actorUIDs.map { .int(Int64($0)) }),
                ]),
            ]),
        ]
        if let condition { object["condition"] = .string(condition) }
        if let review {
            object["review"] = .object(["group": .string(review.group), "threshold": .int(Int64(review.threshold)), "reasonRequired": .bool(review.reasonRequired)])
        }
        return .object(object)
    }
}
