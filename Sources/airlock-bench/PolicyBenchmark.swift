import AirlockCore
import ArgumentParser
import Foundation
import Guardrails

/// `airlock-bench policy`: decision latency at 10, 100 and 1,000 rules and
/// intent-extraction time for a 10 KB SQL script and a 2 KB shell script.
///
/// Decisions are measured end to end through `Policy.decide` for a
/// realistic `run_shell` call (so they include extracting a short command);
/// extraction is measured through `decide` on a one-rule policy, which is
/// the extraction plus a negligible evaluation. Targets from issue 4:
/// p50 ≤ 10 µs and p99 ≤ 50 µs at 100 rules, p99 ≤ 200 µs at 1,000 rules,
/// extraction ≤ 200 µs for 10 KB of SQL.
struct PolicyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Guardrail decision and extraction latency.")

    @Option(help: "Timed iterations per measurement.") var iterations = 20_000

    func run() throws {
        let actor = Actor(name: "bench-agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 1)
        let call = PolicyRequest(tool: "run_shell", arguments: ["command": "git status && ls -la src | head -n 20"], actor: actor,
                                 intent: [IntentBinding(extractor: .shell, argument: "command")])
        print("decision latency (Policy.decide, run_shell call incl. extraction of a short command), \(iterations) iterations")
        let widths = [8, 12, 12, 12, 10, 28]
        printRow(["rules", "p50", "p90", "p99", "effect", "target"], widths: widths)
        for count in [10, 100, 1000] {
            let policy = try Policy.parse(yaml: Self.generatedPolicy(rules: count), source: "generated-\(count)")
            let effect = policy.decide(call).effect
            let stats = LatencyStats.measure(count: iterations, warmup: 200) { _ = policy.decide(call) }
            let target = count == 100 ? "p50 ≤ 10 µs, p99 ≤ 50 µs" : count == 1000 ? "p99 ≤ 200 µs" : ""
            printRow(["\(count)", formatDuration(stats.median), formatDuration(stats.p90), formatDuration(stats.p99), effect.rawValue, target], widths: widths)
        }

        print("\nrule evaluation only (the same call without intent bindings: no extraction)")
        printRow(["rules", "p50", "p90", "p99", "effect"], widths: widths)
        var bare = call
        bare.intent = []
        for count in [10, 100, 1000] {
            let policy = try Policy.parse(yaml: Self.generatedPolicy(rules: count), source: "generated-\(count)")
            let stats = LatencyStats.measure(count: iterations, warmup: 200) { _ = policy.decide(bare) }
            printRow(["\(count)", formatDuration(stats.median), formatDuration(stats.p90), formatDuration(stats.p99), policy.decide(bare).effect.rawValue], widths: widths)
        }

        print("\nintent extraction (Policy.decide with one rule)")
        printRow(["input", "bytes", "p50", "p99", "target"], widths: [14, 8, 12, 12, 16])
        let sql = Self.generatedSQL(bytes: 10 * 1024)
        let shell = Self.generatedShell(bytes: 2 * 1024)
        // A policy that reads only aggregate facts, and one that reads the per-statement and
        // per-command records too (those lists are built only when some rule reads them).
        let aggregate = try Policy.parse(yaml: "rules:\n  - { id: permit, effect: permit, condition: 'sql.readOnly || !shell.dangerousDelete', reason: bench }\n", source: "aggregate")
        let detailed = try Policy.parse(yaml: "rules:\n  - { id: permit, effect: permit, condition: 'sql.statements.size() >= 0 && shell.commands.size() >= 0', reason: bench }\n", source: "detailed")
        let sqlBinding = IntentBinding(extractor: .sql, argument: "q"), shellBinding = IntentBinding(extractor: .shell, argument: "q")
        for (label, text, binding, single, target) in [("SQL script", sql, sqlBinding, aggregate, "≤ 200 µs"),
                                                       ("SQL, records", sql, sqlBinding, detailed, ""),
                                                       ("shell script", shell, shellBinding, aggregate, ""),
                                                       ("shell, records", shell, shellBinding, detailed, "")] {
            let request = PolicyRequest(tool: "t", arguments: ["q": .string(text)], actor: actor, intent: [binding])
            let stats = LatencyStats.measure(count: max(200, iterations / 20), warmup: 20) { _ = single.decide(request) }
            printRow([label, "\(text.utf8.count)", formatDuration(stats.median), formatDuration(stats.p99), target], widths: [14, 8, 12, 12, 16])
        }
    }

    /// N rules over 40 tools plus tool-less ones, with conditions of every
    /// kind the language has; about one in seven applies to `run_shell`.
    static func generatedPolicy(rules: Int) -> String {
        var yaml = "version: 1\nnetwork:\n  allow: [api.github.com, .pypi.org, 10.0.0.0/8]\nrules:\n"
        yaml += "  - { id: permit-shell, effect: permit, match: { tool: run_shell }, reason: base }\n"
        let conditions = [
            "shell.dangerousDelete || shell.downloadExecute",
            "shell.programs.exists(p, p == 'prog%d')",
            "has(args.limit) && args.limit > %d",
            "actor.name == 'user%d' && 'role%d' in actor.roles",
            "network.exfiltration && shell.present",
            "tool.startsWith('x%d') || actor.uid == %d",
            "shell.commands.exists(c, c.name == 'git' && 'push' in c.args && c.args.exists(a, a.startsWith('-f')))",
            "sql.unboundedWrite || sql.drops",
            "has(args.mode) && args.mode.matches('^bulk-[0-9]+$')",
        ]
        for i in 1..<rules {
            let effect = ["permit", "forbid", "review"][i % 3]
            let tool = i % 10 == 0 ? "" : i % 7 == 0 ? "run_shell" : "tool_\(i % 40)"
            let condition = conditions[i % conditions.count].replacingOccurrences(of: "%d", with: "\(i)")
            yaml += "  - id: rule-\(i)\n    effect: \(effect)\n"
            if !tool.isEmpty { yaml += "    match: { tool: \(tool) }\n" }
            yaml += "    condition: \"\(condition)\"\n    reason: generated rule \(i)\n"
            if effect == "review" { yaml += "    review: { group: ops, threshold: 1 }\n" }
        }
        return yaml
    }

    static func generatedSQL(bytes: Int) -> String {
        let statements = [
            "SELECT u.id, u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > 100 AND u.name <> 'O''Brien';",
            "-- nightly maintenance\nUPDATE accounts SET balance = balance - 10 WHERE id = 5 AND balance >= 10;",
            "INSERT INTO audit_log (actor, action, detail) VALUES ('bot', 'login', $$payload; with ; semicolons$$);",
            "/* bounded */ DELETE FROM sessions WHERE expires_at < now() RETURNING id;",
            "WITH recent AS (SELECT * FROM orders WHERE created_at > '2024-01-01') SELECT count(*) FROM recent;",
        ]
        return repeated(statements, toBytes: bytes)
    }

    static func generatedShell(bytes: Int) -> String {
        let lines = [
            "set -eu",
            "BUILD=\"./build/$(date +%s)\"",
            "mkdir -p \"$BUILD\" && cp -r src \"$BUILD/\"",
            "for f in src/*.swift; do grep -n 'TODO' \"$f\" || true; done",
            "git fetch origin && git rebase origin/main",
            "curl -fsSL https://api.github.com/repos/apple/swift -o meta.json",
            "if [ -f Makefile ]; then make -j2 test 2>&1 | tee test.log; fi",
            "find ./build -name '*.o' -delete",
            "tar -czf out.tgz -C \"$BUILD\" . && rm -rf \"$BUILD\"",
        ]
        return repeated(lines, toBytes: bytes)
    }

    /// The lines repeated in turn until the text reaches `bytes`.
    static func repeated(_ lines: [String], toBytes bytes: Int) -> String {
        var text = ""
        var i = 0
        while text.utf8.count < bytes {
            text += lines[i % lines.count] + "\n"
            i += 1
        }
        return text
    }
}
