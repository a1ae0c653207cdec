import AirlockCore
import Testing
@testable import Guardrails

/// The catalog reader and the test-case file format used by `airlock policy test`.
@Suite struct PolicyTestSuiteTests {
    @Test func catalogReaderTakesOnlyNamesAndIntent() throws {
        let catalog = try IntentCatalog.parse(yaml: """
            listen: /run/airlock.sock
            tools:
              - name: run_shell
                description: Run a command
                command: ["/bin/sh", "-c", "{command}"]
                intent:
                  - { extractor: shell, argument: command, note: daemon-only key }
              - name: read_file
            """, source: "airlock.yaml")
        #expect(catalog.intent(for: "run_shell") == [IntentBinding(extractor: .shell, argument: "command")])
        #expect(catalog.intent(for: "read_file") == [])
        #expect(catalog.intent(for: "unknown") == nil)
    }

    @Test func catalogErrorsNameTheirLine() {
        #expect {
            try IntentCatalog.parse(yaml: "tools:\n  - name: x\n    intent:\n      - { extractor: perl, argument: a }\n", source: "c.yaml")
        } throws: { ($0 as? AirlockError)?.message.hasPrefix("c.yaml:4: unknown extractor 'perl'") == true }
    }

    @Test func casesUseDefaultsAndFileLocalTools() throws {
        let suite = try PolicyTestSuite.parse(yaml: """
            tools:
              - { name: q, intent: [{ extractor: sql, argument: text }] }
            defaults: { tool: q, argument: text, actor: { name: bot, roles: [r], uid: 7 } }
            cases:
              - { input: "DROP TABLE t", expect: deny, rules: [no-drop] }
              - { name: explicit, tool: other, args: { n: 1 }, intent: "shell:cmd", expect: allow }
            """, source: "cases.yaml")
        #expect(suite.cases.count == 2)
        #expect(suite.cases[0].request.arguments == ["text": "DROP TABLE t"])
        #expect(suite.cases[0].request.intent == [IntentBinding(extractor: .sql, argument: "text")])
        #expect(suite.cases[0].request.actor.uid == 7)
        #expect(suite.cases[1].request.intent == [IntentBinding(extractor: .shell, argument: "cmd")])
        #expect(suite.cases[1].request.arguments == ["n": 1])

        let policy = try Policy.parse(yaml: """
            rules:
              - { id: no-drop, effect: forbid, condition: sql.drops, reason: no }
              - { id: ok, effect: permit, reason: ok }
            """, source: "p")
        let outcomes = suite.run(against: policy)
        #expect(outcomes[0].passed)
        #expect(outcomes[1].passed)
    }

    @Test func outcomesClassifyFalseAllowsAndFalseDenies() throws {
        let suite = try PolicyTestSuite.parse(yaml: """
            cases:
              - { tool: a, intent: [], expect: deny }
              - { tool: b, intent: [], expect: allow }
              - { tool: c, intent: [], expect: review }
            """, source: "cases.yaml")
        let everything = try Policy.parse(yaml: "rules:\n  - { id: all, effect: permit, reason: ok }\n", source: "p")
        let outcomes = suite.run(against: everything)
        #expect(outcomes.map(\.isFalseAllow) == [true, false, true])
        let nothing = try Policy.parse(yaml: "rules: []\n", source: "p")
        #expect(suite.run(against: nothing).map(\.isFalseDeny) == [false, true, true])
    }

    /// A case for a tool whose intent nobody declared is an error, not a
    /// decision on no facts (which would pass `expect: allow` for a DROP).
    @Test func aToolWithoutKnownIntentIsAnError() {
        #expect {
            try PolicyTestSuite.parse(yaml: "cases:\n  - { tool: run_sql, args: { query: x }, expect: allow }\n", source: "cases.yaml")
        } throws: { ($0 as? AirlockError)?.message.contains("cases.yaml:2: no intent is known for tool 'run_sql'") == true }
    }

    @Test func malformedCasesNameTheirLine() {
        #expect {
            try PolicyTestSuite.parse(yaml: "cases:\n  - { tool: a, expect: maybe }\n", source: "t.yaml")
        } throws: { ($0 as? AirlockError)?.message.hasPrefix("t.yaml:2: expect 'maybe'") == true }
    }
}
