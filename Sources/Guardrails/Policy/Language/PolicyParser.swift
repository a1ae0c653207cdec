import AirlockCore
import Yams

/// Reads the policy YAML into checked rules. Every error names its line;
/// conditions are parsed and type-checked here, so a policy that loads has
/// no condition that can fail to compile later.
///
///     version: 1
///     network:
///       allow: [api.github.com, .pypi.org, 10.0.0.0/8]
///     rules:
///       - id: forbid-drops
///         effect: forbid                # permit | forbid | review
///         match: { tool: [run_sql], actor: { role: [agent] } }
///         condition: sql.drops || sql.truncates
///         reason: Dropping or truncating tables is never done by agents.
///       - id: review-bulk-writes
///         effect: review
///         match: { tool: run_sql }
///         condition: sql.unboundedWrite
///         reason: DELETE/UPDATE without a bounding WHERE.
///         review: { group: dba, threshold: 1, reasonRequired: true }
enum PolicyParser {
    struct Parsed {
        var rules: [PolicyRule]
        var allowlist: NetworkAllowlist
    }

    static func parse(_ text: String) throws(LocatedError) -> Parsed {
        guard let root = try YAMLDocument.compose(text) else { throw LocatedError(line: 1, message: "the policy is empty") }
        let top = try YAMLDocument.mapping(root, "policy", allowed: ["version", "network", "rules"])
        if let version = top["version"], try YAMLDocument.int(version, "version") != 1 {
            throw LocatedError(line: YAMLDocument.line(version), message: "unsupported version; this Airlock reads version 1")
        }
        var allowlist = NetworkAllowlist()
        if let network = top["network"] {
            let fields = try YAMLDocument.mapping(network, "network", allowed: ["allow"])
            if let allow = fields["allow"] {
                do { allowlist = try NetworkAllowlist(entries: try YAMLDocument.strings(allow, "network.allow")) } catch let error as NetworkAllowlist.AllowlistError {
                    throw LocatedError(line: YAMLDocument.line(allow), message: error.message)
                } catch let error as LocatedError { throw error } catch { throw LocatedError(line: YAMLDocument.line(allow), message: "\(error)") }
            }
        }
        guard let rulesNode = top["rules"] else { throw LocatedError(line: YAMLDocument.line(root), message: "the policy has no 'rules' list") }
        var rules: [PolicyRule] = []
        var seen: [String: Int] = [:]
        for node in try YAMLDocument.sequence(rulesNode, "rules") {
            let rule = try parseRule(node)
            if let first = seen[rule.id] {
                throw LocatedError(line: rule.line, message: "duplicate rule id '\(rule.id)' (first at line \(first))")
            }
            seen[rule.id] = rule.line
            rules.append(rule)
        }
        return Parsed(rules: rules, allowlist: allowlist)
    }

    /// An empty list under `match` is refused: the matcher reads "no values"
    /// as "any value", so `tool: []` (often a list emptied by an edit) would
    /// widen a rule to every tool instead of narrowing it to none.
    private static func nonEmpty<T>(_ items: [T], _ node: Node, _ what: String, every: String) throws(LocatedError) -> [T] {
        guard items.isEmpty else { return items }
        throw LocatedError(line: YAMLDocument.line(node), message: "\(what) is an empty list, which would match every \(every); list at least one, or remove the key to match every \(every) on purpose")
    }

    private static func parseRule(_ node: Node) throws(LocatedError) -> PolicyRule {
        let line = YAMLDocument.line(node)
        let fields = try YAMLDocument.mapping(node, "rule", allowed: ["id", "effect", "match", "condition", "reason", "review"])
        guard let idNode = fields["id"] else { throw LocatedError(line: line, message: "rule without an 'id'") }
        let id = try YAMLDocument.string(idNode, "id")
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }), !id.hasPrefix("builtin:") else {
            throw LocatedError(line: YAMLDocument.line(idNode), message: "rule id '\(id)' must be letters, digits, '-', '_', '.', ':' (and not start with 'builtin:')")
        }
        guard let effectNode = fields["effect"] else { throw LocatedError(line: line, message: "rule '\(id)' has no 'effect' (permit, forbid or review)") }
        let effectText = try YAMLDocument.string(effectNode, "effect")
        guard let effect = PolicyRule.Effect(rawValue: effectText) else {
            throw LocatedError(line: YAMLDocument.line(effectNode), message: "rule '\(id)': effect '\(effectText)' is not permit, forbid or review")
        }
        guard let reasonNode = fields["reason"] else {
            throw LocatedError(line: line, message: "rule '\(id)' has no 'reason'; agents and approvers are shown it")
        }
        let reason = try YAMLDocument.string(reasonNode, "reason")

        var tools: [String] = [], names: [String] = [], roles: [String] = [], uids: [UInt32] = []
        if let match = fields["match"] {
            let m = try YAMLDocument.mapping(match, "match", allowed: ["tool", "actor"])
            if let tool = m["tool"] {
                tools = try nonEmpty(YAMLDocument.strings(tool, "match.tool"), tool, "match.tool", every: "tool")
                for t in tools where t.dropLast().contains("*") {
                    throw LocatedError(line: YAMLDocument.line(tool), message: "tool pattern '\(t)': '*' is only allowed at the end")
                }
            }
            if let actor = m["actor"] {
                let a = try YAMLDocument.mapping(actor, "match.actor", allowed: ["name", "role", "uid"])
                if let n = a["name"] { names = try nonEmpty(YAMLDocument.strings(n, "match.actor.name"), n, "match.actor.name", every: "actor name") }
                if let r = a["role"] { roles = try nonEmpty(YAMLDocument.strings(r, "match.actor.role"), r, "match.actor.role", every: "role") }
                if let u = a["uid"] {
                    let items: [Node] = if case .sequence(let s) = u { Array(s) } else { [u] }
                    _ = try nonEmpty(items, u, "match.actor.uid", every: "uid")
                    for item in items {
                        let value = try YAMLDocument.int(item, "match.actor.uid")
                        guard value >= 0, value <= Int(UInt32.max) else { throw LocatedError(line: YAMLDocument.line(item), message: "uid \(value) out of range") }
                        uids.append(UInt32(value))
                    }
                }
            }
        }

        var condition: String?
        var compiled: CompiledCondition?
        if let conditionNode = fields["condition"] {
            let text = try YAMLDocument.string(conditionNode, "condition")
            condition = text
            do {
                compiled = try CompiledCondition.compile(text)
            } catch {
                // Block scalars (| and >) start on the line after the key.
                var base = YAMLDocument.line(conditionNode)
                if case .scalar(let s) = conditionNode, s.style == .literal || s.style == .folded { base += 1 }
                let lineInFile = base + error.position.line - 1
                throw LocatedError(line: lineInFile, message: "rule '\(id)' condition, column \(error.position.column): \(error.message)")
            }
        }

        var review: PolicyRule.Review?
        if let reviewNode = fields["review"] {
            guard effect == .review else {
                throw LocatedError(line: YAMLDocument.line(reviewNode), message: "rule '\(id)': 'review' only applies to effect: review")
            }
            let r = try YAMLDocument.mapping(reviewNode, "review", allowed: ["group", "threshold", "reasonRequired"])
            guard let group = r["group"] else { throw LocatedError(line: YAMLDocument.line(reviewNode), message: "rule '\(id)': review needs an approver 'group'") }
            let threshold = try r["threshold"].map { (n: Node) throws(LocatedError) -> Int in try YAMLDocument.int(n, "review.threshold") } ?? 1
            guard threshold >= 1 else { throw LocatedError(line: YAMLDocument.line(r["threshold"]!), message: "rule '\(id)': review.threshold must be at least 1") }
            review = PolicyRule.Review(group: try YAMLDocument.string(group, "review.group"), threshold: threshold,
                                       reasonRequired: try r["reasonRequired"].map { (n: Node) throws(LocatedError) -> Bool in try YAMLDocument.bool(n, "review.reasonRequired") } ?? false)
        } else if effect == .review {
            throw LocatedError(line: line, message: "rule '\(id)': effect review needs 'review: { group: ..., threshold: N }'")
        }
        return PolicyRule(id: id, effect: effect, tools: tools, actorNames: names, actorRoles: roles, actorUIDs: uids,
                          condition: condition, reason: reason, review: review, line: line, compiled: compiled)
    }
}
