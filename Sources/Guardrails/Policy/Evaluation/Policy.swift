import AirlockCore
import Foundation

/// A loaded, checked guardrail policy. Immutable and safe to share across
/// threads; `decide` is the only thing the daemon calls per tool call.
///
/// Semantics (after Cedar): default deny; any matching `forbid` beats
/// everything; a matching `review` holds a call that some matching `permit`
/// allows until approvers agree ("permit once approved": with no matching
/// permit it stays a default deny, listing the review reasons); otherwise a
/// matching `permit` allows — unless some extractor could not parse the
/// input and no matching permit looks at that extractor's `unparsed` (input
/// nobody could read never counts as safe).
public final class Policy: Sendable {
    /// Where the policy came from (a path or a label), for messages.
    public let source: String
    /// sha256 of the canonical policy: formatting and comments do not change it.
    public let revision: String
    public let rules: [PolicyRule]
    public let allowlist: NetworkAllowlist
    /// Rule indices (file order) for each tool a rule names, including the
    /// tool-less and pattern rules that also apply to it; built once at load.
    private let rulesByTool: [String: [Int]]
    /// Rules that apply to any tool or to a `prefix*` pattern.
    private let openRules: [Int]
    private let scratchSlots: Int
    /// The fact lists this policy's conditions read; the rest are not built per call.
    private let detail: IntentFacts.Detail

    /// Loads and checks a policy file. Throws `AirlockError(.invalidPolicy, "FILE:LINE: message")`.
    public static func load(path: String) throws -> Policy {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AirlockError(.invalidPolicy, "\(path): cannot read the policy file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path)
    }

    /// Parses and checks policy text. Throws `AirlockError(.invalidPolicy, "SOURCE:LINE: message")`.
    public static func parse(yaml: String, source: String) throws -> Policy {
        do {
            let parsed = try PolicyParser.parse(yaml)
            return Policy(source: source, rules: parsed.rules, allowlist: parsed.allowlist)
        } catch {
            throw error.airlockError(.invalidPolicy, source: source)
        }
    }

    init(source: String, rules: [PolicyRule], allowlist: NetworkAllowlist) {
        self.source = source
        self.rules = rules
        self.allowlist = allowlist
        var byTool: [String: [Int]] = [:]
        var open: [Int] = []
        for (index, rule) in rules.enumerated() {
            if rule.tools.isEmpty || rule.tools.contains(where: { $0.hasSuffix("*") }) { open.append(index) }
            for tool in rule.tools where !tool.hasSuffix("*") { byTool[tool, default: []].append(index) }
        }
        for (tool, exact) in byTool {
            byTool[tool] = Array(Set(exact).union(open.filter { Self.rule(rules[$0], appliesTo: tool) })).sorted()
        }
        rulesByTool = byTool
        openRules = open
        scratchSlots = rules.map { $0.compiled?.scratchSlots ?? 0 }.max() ?? 0
        detail = IntentFacts.Detail(reading: rules.flatMap { $0.compiled?.referencedPaths ?? [] })
        let canonical: JSONValue = .object([
            "version": 1,
            "network": .object(["allow": .array(allowlist.entries.map(JSONValue.string))]),
            "rules": .array(rules.map(\.canonical)),
        ])
        revision = Digest.sha256Hex(canonical)
    }

    /// Rules that may apply to `tool`, in file order.
    func candidateRules(for tool: String) -> [Int] {
        rulesByTool[tool] ?? openRules.filter { Self.rule(rules[$0], appliesTo: tool) }
    }

    private static func rule(_ rule: PolicyRule, appliesTo tool: String) -> Bool {
        rule.tools.isEmpty || rule.tools.contains { $0 == tool || ($0.hasSuffix("*") && tool.hasPrefix($0.dropLast())) }
    }

    /// The intent facts this policy extracts for a request (all of them).
    public func facts(for request: PolicyRequest) -> [String: JSONValue] {
        IntentFacts.extract(request, allowlist: allowlist).json
    }

    public func decide(_ request: PolicyRequest) -> Decision {
        let facts = IntentFacts.extract(request, allowlist: allowlist, detail: detail)
        let frame = Frame(roots: facts.roots, scratch: scratchSlots)
        var matched = RuleMatches()
        for index in candidateRules(for: request.tool) {
            let rule = rules[index]
            guard rule.matchesActor(request.actor) else { continue }
            guard let compiled = rule.compiled else { matched.add(rule, error: nil); continue }
            switch compiled.evaluate(frame) {
            case .bool(true): matched.add(rule, error: nil)
            case .bool(false): continue
            case .error(let message):
                // Fail closed: an error counts as a match for forbid and review, never for permit.
                if rule.effect != .permit { matched.add(rule, error: message) }
            default:
                if rule.effect != .permit { matched.add(rule, error: "condition did not produce a bool") }
            }
        }
        return DecisionExplainer(policy: self, request: request, facts: facts, matched: matched).decision()
    }
}

/// The rules that matched one request, by effect, in file order.
struct RuleMatches {
    var forbids: [(rule: PolicyRule, error: String?)] = []
    var reviews: [(rule: PolicyRule, error: String?)] = []
    var permits: [PolicyRule] = []

    mutating func add(_ rule: PolicyRule, error: String?) {
        switch rule.effect {
        case .forbid: forbids.append((rule, error))
        case .review: reviews.append((rule, error))
        case .permit: permits.append(rule)
        }
    }
}
