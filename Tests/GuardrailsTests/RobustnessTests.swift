import AirlockCore
import Testing
@testable import Guardrails

/// Arguments an agent can send at the catalog's size limit (64 KiB) that
/// used to overflow the stack or take exponential or quadratic time. Each
/// must come back with a decision that is not an allow of something unread.
/// The suite's time limit is a hang detector only: no test asserts a timing.
@Suite(.timeLimit(.minutes(3)))
struct RobustnessTests {
    static let sizeLimit = 65_536

    /// `unit` repeated to fill the size limit, less `reserve` bytes.
    static func fill(_ unit: String, reserve: Int = 0) -> String {
        String(repeating: unit, count: (sizeLimit - reserve) / unit.utf8.count)
    }

    static let deep = (sizeLimit - 5) / 4
    static let withCount = (sizeLimit - 20) / 12
    static let parens = (sizeLimit - 30) / 2
    static let and = (sizeLimit - 30) / 10

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let tool: String
        let binding: IntentBinding
        let input: String
        /// The effect the default policy must reach.
        let effect: Decision.Effect
        /// A fragment of the unparsed reasons, when the input must be reported as unparsed.
        let unparsed: String?

        var testDescription: String { name }
    }

    static let shell = IntentBinding(extractor: .shell, argument: "command")
    static let sql = IntentBinding(extractor: .sql, argument: "query")

    static let cases: [Case] = [
        Case(name: "nested subshells", tool: "run_shell", binding: shell,
             input: String(repeating: " (", count: deep) + " true" + String(repeating: " )", count: deep),
             effect: .review, unparsed: "nested deeper than 16"),
        Case(name: "nested subshells around a wipe", tool: "run_shell", binding: shell,
             input: String(repeating: "( ", count: deep - 3) + "rm -rf /" + String(repeating: ") ", count: deep - 3),
             effect: .deny, unparsed: "nested deeper than 16"),
        Case(name: "nested command substitutions", tool: "run_shell", binding: shell,
             input: String(repeating: "$(", count: deep) + "true" + String(repeating: ")", count: deep),
             effect: .review, unparsed: "nested deeper than 16"),
        Case(name: "a glob of stars against the secret paths", tool: "run_shell", binding: shell,
             input: "cat ." + fill("*", reserve: 6) + "q", effect: .allow, unparsed: nil),
        Case(name: "a glob of stars against the system paths", tool: "run_shell", binding: shell,
             input: "rm -rf /e" + fill("*", reserve: 12) + "c", effect: .deny, unparsed: nil),
        Case(name: "a run of brackets", tool: "run_shell", binding: shell,
             input: "echo " + fill("[", reserve: 5), effect: .allow, unparsed: nil),
        Case(name: "a run of braces", tool: "run_shell", binding: shell,
             input: "echo " + fill("{a", reserve: 5), effect: .allow, unparsed: nil),
        Case(name: "brace expansions multiplying", tool: "run_shell", binding: shell,
             input: "rm -rf /x" + fill("{a,b}", reserve: 10), effect: .deny, unparsed: nil),
        Case(name: "thousands of cd into one more folder", tool: "run_shell", binding: shell,
             input: fill("cd a; ", reserve: 12) + "rm -rf b", effect: .review, unparsed: nil),
        Case(name: "thousands of pushd into one more folder", tool: "run_shell", binding: shell,
             input: fill("pushd a; ", reserve: 12) + "rm -rf b", effect: .review, unparsed: nil),
        Case(name: "a long pipeline of shells", tool: "run_shell", binding: shell,
             input: "cat x" + fill("|sh", reserve: 5), effect: .review, unparsed: nil),
        Case(name: "thousands of commands in deeply nested groups", tool: "run_shell", binding: shell,
             input: String(repeating: "{ ", count: 6000) + String(repeating: "true; ", count: 4000) + String(repeating: "} ", count: 6000),
             effect: .review, unparsed: "groups nested deeper than 16"),
        Case(name: "thousands of distinct programs", tool: "run_shell", binding: shell,
             input: (0..<(sizeLimit / 8)).map { "p\($0)" }.joined(separator: ";"), effect: .allow, unparsed: nil),
        Case(name: "thousands of distinct URLs", tool: "run_shell", binding: shell,
             input: "curl " + (0..<(sizeLimit / 32)).map { "https://api.github.com/\($0)" }.joined(separator: " "), effect: .allow, unparsed: nil),
        Case(name: "nested executable comments", tool: "run_sql", binding: sql,
             input: fill("/*!"), effect: .review, unparsed: "executable comment"),
        Case(name: "nested WITH bodies", tool: "run_sql", binding: sql,
             input: String(repeating: "WITH a AS (", count: withCount) + "SELECT 1" + String(repeating: ")", count: withCount) + " SELECT 1",
             effect: .review, unparsed: "nested deeper than 16"),
        Case(name: "nested WITH bodies around a drop", tool: "run_sql", binding: sql,
             input: "WITH a AS (DROP TABLE users) " + String(repeating: "WITH a AS (", count: withCount - 3) + "SELECT 1",
             effect: .deny, unparsed: nil),
        Case(name: "parentheses around an always-true WHERE", tool: "run_sql", binding: sql,
             input: "DELETE FROM t WHERE " + String(repeating: "(", count: parens) + "1" + String(repeating: ")", count: parens),
             effect: .review, unparsed: nil),
        Case(name: "parentheses around a bounding WHERE", tool: "run_sql", binding: sql,
             input: "DELETE FROM t WHERE " + String(repeating: "(", count: parens - 2) + "id=1" + String(repeating: ")", count: parens - 2),
             effect: .allow, unparsed: nil),
        Case(name: "nested AND groups in a WHERE", tool: "run_sql", binding: sql,
             input: "DELETE FROM t WHERE " + String(repeating: "(a=a AND ", count: and) + "a=1" + String(repeating: ")", count: and),
             effect: .review, unparsed: "WHERE clause nested deeper than 16"),
        Case(name: "nested calls of a function that runs SQL", tool: "run_sql", binding: sql,
             input: "SELECT " + String(repeating: "dblink(", count: 8000) + String(repeating: ")", count: 8000),
             effect: .review, unparsed: nil),
        Case(name: "a run of FROM keywords", tool: "run_sql", binding: sql,
             input: "SELECT 1 " + fill("FROM ", reserve: 20) + "t", effect: .allow, unparsed: nil),
    ]

    @Test(arguments: cases)
    func oversizedInputGetsADecision(_ c: Case) throws {
        #expect(c.input.utf8.count <= Self.sizeLimit)
        let policy = try Policy.load(path: TestFiles.defaultPolicy)
        let decision = policy.decide(request(c.tool, [c.binding.argument: .string(c.input)], intent: [c.binding]))
        #expect(decision.effect == c.effect, "\(decision.ruleIDs) \(decision.reasons)")
        let reasons = decision.facts["unparsedReasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let fragment = c.unparsed {
            #expect(reasons.contains { $0.contains(fragment) }, "\(reasons)")
        }
    }
}
