import AirlockCore
import Foundation
import Yams

/// A file of calls with expected decisions, for `airlock policy test` and
/// for the labelled corpus in this module's tests:
///
///     tools:                      # optional, same shape as the catalog
///       - { name: run_shell, intent: [{ extractor: shell, argument: command }] }
///     defaults:                   # optional
///       tool: run_shell
///       argument: command         # lets a case say `input:` for this argument
///       actor: { name: agent, roles: [agent], uid: 1000 }
///     cases:
///       - name: wipe root
///         input: rm -rf /
///         expect: deny            # allow | deny | review
///         rules: [shell-forbid-destructive-delete]   # optional
public struct PolicyTestSuite: Sendable {
    public struct Case: Sendable {
        public var name: String
        public var line: Int
        public var request: PolicyRequest
        public var expect: Decision.Effect
        public var expectedRules: [String]
    }

    public struct Outcome: Sendable {
        public var testCase: Case
        public var decision: Decision

        public var passed: Bool {
            decision.effect == testCase.expect && testCase.expectedRules.allSatisfy(decision.ruleIDs.contains)
        }

        /// Allowed although the label says deny or review: the mistake that matters.
        public var isFalseAllow: Bool { decision.effect == .allow && testCase.expect != .allow }
        /// Stricter than the label (denied or held while the label says allow, or denied while it says review).
        public var isFalseDeny: Bool {
            (testCase.expect == .allow && decision.effect != .allow) || (testCase.expect == .review && decision.effect == .deny)
        }
    }

    public var cases: [Case]
    /// Tool bindings declared in the file itself.
    public var catalog: IntentCatalog

    public static func load(path: String, catalog: IntentCatalog = IntentCatalog()) throws -> PolicyTestSuite {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AirlockError(.invalidConfig, "\(path): cannot read the test cases: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path, catalog: catalog)
    }

    /// `catalog` supplies intent for tools the file does not declare itself.
    public static func parse(yaml: String, source: String, catalog: IntentCatalog = IntentCatalog()) throws -> PolicyTestSuite {
        do {
            guard let root = try YAMLDocument.compose(yaml) else { throw LocatedError(line: 1, message: "empty test file") }
            let top = try YAMLDocument.mapping(root, "test file", allowed: ["tools", "defaults", "cases"])
            var merged = catalog
            for (tool, bindings) in try IntentCatalog.read(root).bindings { merged.bindings[tool] = bindings }
            let defaults = try top["defaults"].map { (n: Node) throws(LocatedError) -> [String: Node] in
                try YAMLDocument.mapping(n, "defaults", allowed: ["tool", "argument", "actor"])
            } ?? [:]
            guard let casesNode = top["cases"] else { throw LocatedError(line: 1, message: "no 'cases' list") }
            var cases: [Case] = []
            for node in try YAMLDocument.sequence(casesNode, "cases") {
                cases.append(try parseCase(node, defaults: defaults, catalog: merged, index: cases.count + 1))
            }
            return PolicyTestSuite(cases: cases, catalog: merged)
        } catch let error as LocatedError {
            throw error.airlockError(.invalidConfig, source: source)
        }
    }

    private static func parseCase(_ node: Node, defaults: [String: Node], catalog: IntentCatalog, index: Int) throws(LocatedError) -> Case {
        let line = YAMLDocument.line(node)
        let f = try YAMLDocument.mapping(node, "case", allowed: ["name", "tool", "args", "input", "actor", "claims", "intent", "expect", "rules"])
        guard let toolNode = f["tool"] ?? defaults["tool"] else { throw LocatedError(line: line, message: "case without a 'tool'") }
        let tool = try YAMLDocument.string(toolNode, "tool")
        var arguments: [String: JSONValue] = [:]
        if let args = f["args"] {
            guard case .object(let object) = try YAMLDocument.json(args) else { throw LocatedError(line: YAMLDocument.line(args), message: "'args' must be a mapping") }
            arguments = object
        }
        if let input = f["input"] {
            guard let argumentNode = defaults["argument"] else { throw LocatedError(line: YAMLDocument.line(input), message: "'input' needs 'defaults.argument'") }
            arguments[try YAMLDocument.string(argumentNode, "defaults.argument")] = .string(try YAMLDocument.string(input, "input"))
        }
        let actor = try parseActor(f["actor"] ?? defaults["actor"])
        var claims = CallClaims()
        if let c = f["claims"] {
            let m = try YAMLDocument.mapping(c, "claims", allowed: ["onBehalfOf", "reason"])
            claims.onBehalfOf = try m["onBehalfOf"].map { (n: Node) throws(LocatedError) -> String in try YAMLDocument.string(n, "claims.onBehalfOf") }
            claims.reason = try m["reason"].map { (n: Node) throws(LocatedError) -> String in try YAMLDocument.string(n, "claims.reason") }
        }
        var intent = catalog.intent(for: tool) ?? []
        if let i = f["intent"] {
            intent = []
            for text in try YAMLDocument.strings(i, "intent") {
                guard let binding = IntentBinding(shorthand: text) else { throw LocatedError(line: YAMLDocument.line(i), message: "intent '\(text)' is not EXTRACTOR:ARGUMENT") }
                intent.append(binding)
            }
        }
        guard let expectNode = f["expect"] else { throw LocatedError(line: line, message: "case without 'expect' (allow, deny or review)") }
        let expectText = try YAMLDocument.string(expectNode, "expect")
        guard let expect = Decision.Effect(rawValue: expectText) else {
            throw LocatedError(line: YAMLDocument.line(expectNode), message: "expect '\(expectText)' is not allow, deny or review")
        }
        // A tool nobody declared would be decided on no facts at all, and
        // pass as an allow that `policy eval` would have refused to judge.
        if f["intent"] == nil && catalog.intent(for: tool) == nil {
            throw LocatedError(line: line, message: "no intent is known for tool '\(tool)': declare it under 'tools:' "
                + "(or pass --catalog), or give the case 'intent: []' if the tool has none")
        }
        let rules = try f["rules"].map { (n: Node) throws(LocatedError) -> [String] in try YAMLDocument.strings(n, "rules") } ?? []
        let name = try f["name"].map { (n: Node) throws(LocatedError) -> String in try YAMLDocument.string(n, "name") }
            ?? arguments.values.compactMap(\.stringValue).first.map { String($0.prefix(60)) } ?? "case \(index)"
        return Case(name: name, line: line, request: PolicyRequest(tool: tool, arguments: arguments, actor: actor, claims: claims, intent: intent),
                    expect: expect, expectedRules: rules)
    }

    private static func parseActor(_ node: Node?) throws(LocatedError) -> Actor {
        guard let node else { return Actor(name: "agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 0) }
        let m = try YAMLDocument.mapping(node, "actor", allowed: ["name", "roles", "uid", "owner"])
        let name = try m["name"].map { (n: Node) throws(LocatedError) -> String in try YAMLDocument.string(n, "actor.name") } ?? "agent"
        let roles = try m["roles"].map { (n: Node) throws(LocatedError) -> [String] in try YAMLDocument.strings(n, "actor.roles") } ?? []
        let uid = try m["uid"].map { (n: Node) throws(LocatedError) -> Int in try YAMLDocument.int(n, "actor.uid") } ?? 1000
        let owner = try m["owner"].map { (n: Node) throws(LocatedError) -> String in try YAMLDocument.string(n, "actor.owner") }
        return Actor(name: name, roles: roles, uid: UInt32(clamping: uid), gid: UInt32(clamping: uid), pid: 0, owner: owner)
    }

    public func run(against policy: Policy) -> [Outcome] {
        cases.map { Outcome(testCase: $0, decision: policy.decide($0.request)) }
    }
}
