import AirlockCore
import Testing
@testable import Guardrails

/// The CEL-style condition language, evaluated against a hand-built frame.
@Suite struct ConditionLanguageTests {
    func evaluate(_ text: String, args: [String: JSONValue] = [:], command: String = "ls") throws -> Value {
        let condition = try CompiledCondition.compile(text)
        let facts = IntentFacts.extract(request("run_shell", args.merging(["command": .string(command)]) { a, _ in a },
                                                intent: [IntentBinding(extractor: .shell, argument: "command")]),
                                        allowlist: NetworkAllowlist())
        return condition.evaluate(Frame(roots: facts.roots, scratch: condition.scratchSlots))
    }

    @Test(arguments: [
        ("tool == 'run_shell'", true),
        ("tool != \"run_shell\"", false),
        ("actor.uid < 1001 && actor.uid >= 1000", true),
        ("'agent' in actor.roles", true),
        ("!('admin' in actor.roles)", true),
        ("size(actor.roles) == 1 && actor.roles.size() == 1", true),
        ("actor.name.startsWith('ci-') && actor.name.endsWith('agent') && actor.name.contains('-')", true),
        ("actor.name.matches('^ci-[a-z]+$')", true),
        ("has(args.limit)", true),
        ("has(args.missing)", false),
        ("args.limit > 5", true),
        ("args.limit == 10.0", true),
        ("args.mode.lowerAscii() == 'fast'", true),
        ("'fast' in ['slow', args.mode.lowerAscii()]", true),
        ("args.tags[1] == 'b'", true),
        ("shell.commands.exists(c, c.name == 'rm' && '-rf' in c.args)", true),
        ("shell.commands.all(c, c.name == 'ls')", false),
        ("shell.commands.all(c, c.name == 'rm')", true),
        ("shell.commands.exists(c, c.args.exists(a, a == '/tmp/x'))", true),
        ("(args.missing == 1) || true", true),
        ("false && args.missing == 1", false),
        ("-args.limit < 0", true),
    ])
    func expressionsEvaluate(text: String, expected: Bool) throws {
        let value = try evaluate(text, args: ["limit": 10, "mode": "FAST", "tags": ["a", "b"]], command: "rm -rf /tmp/x")
        #expect(value == .bool(expected), "\(text) gave \(value)")
    }

    @Test func errorsPropagateUnlessAbsorbed() throws {
        #expect(try evaluate("args.missing == 1").isError)
        #expect(try evaluate("args.missing == 1 && true").isError)
        #expect(try evaluate("args.missing == 1 || false").isError)
        #expect(try evaluate("args.missing == 1 || true") == .bool(true))
    }

    @Test(arguments: [
        ("nosuch == 1", "unknown variable 'nosuch'"),
        ("sql.tables == 'x'", "cannot compare"),
        ("actor.roles.startsWith('a')", "works on strings"),
        ("shell.commands.exists(c)", "takes a variable name"),
        ("size(actor.uid) == 1", "size() needs"),
        ("tool.matches(actor.name)", "string literal pattern"),
        ("1 < 2 < 3", "do not chain"),
        ("tool ==", "expected a value"),
        ("tool == 'x' )", "after the end"),
        ("'abc", "unterminated string"),
        ("frobnicate(tool)", "unknown function"),
        ("actor.uid", "must be a bool"),
        ("tool && true", "needs bools"),
    ])
    func typeAndSyntaxErrorsAreCaughtAtCompileTime(text: String, message: String) {
        do {
            _ = try CompiledCondition.compile(text)
            Issue.record("compiled but should not: \(text)")
        } catch {
            #expect(error.message.contains(message), "\(text): \(error.message)")
        }
    }

    @Test func referencedPathsAreTheMostSpecificFactPaths() throws {
        let c = try CompiledCondition.compile("sql.unboundedWrite || sql.statements.exists(s, s.operation == 'drop') || has(args.x)")
        #expect(c.referencedPaths == ["args.x", "sql.statements", "sql.unboundedWrite"])
    }
}
