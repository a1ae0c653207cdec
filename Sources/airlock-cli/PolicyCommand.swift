import AirlockCore
import ArgumentParser
import Foundation
import Guardrails

/// `airlock policy check|eval|test`: the admin's offline tools for the
/// guardrail policy. All logic lives in `Guardrails`; this file only reads
/// flags, calls it and prints.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, evaluate and test a guardrail policy offline.",
        subcommands: [Check.self, Eval.self, Test.self]
    )

    static let defaultPolicyPath = "Examples/policy.yaml"
    static let defaultCatalogPath = "Examples/airlock.yaml"

    /// Loads a policy or prints its FILE:LINE error and exits non-zero.
    static func loadPolicy(_ path: String) throws -> Policy {
        do { return try Policy.load(path: path) } catch {
            printError(error)
            throw ExitCode.failure
        }
    }

    /// The catalog given, or the default one if it exists; nil when neither.
    static func loadCatalog(_ path: String?) throws -> IntentCatalog? {
        let chosen = path ?? (FileManager.default.fileExists(atPath: defaultCatalogPath) ? defaultCatalogPath : nil)
        guard let chosen else { return nil }
        do { return try IntentCatalog.load(path: chosen) } catch {
            printError(error)
            throw ExitCode.failure
        }
    }

    static func printError(_ error: Error) {
        let text = (error as? AirlockError)?.description ?? "\(error)"
        FileHandle.standardError.write(Data("airlock: \(text)\n".utf8))
    }

    static func printJSON(_ value: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) { print(text) }
    }
}

extension PolicyCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a policy file and list its rules.")

        @Argument(help: "The policy file.") var file: String

        func run() throws {
            let policy = try PolicyCommand.loadPolicy(file)
            print("\(file): OK — \(policy.rules.count) rules, revision \(policy.revision)")
            if !policy.allowlist.entries.isEmpty { print("network allow: \(policy.allowlist.entries.joined(separator: ", "))") }
            for rule in policy.rules {
                var line = "  \(rule.line): \(rule.effect.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(rule.id)"
                line += "  tool=\(rule.tools.isEmpty ? "*" : rule.tools.joined(separator: ","))"
                if !rule.actorNames.isEmpty { line += " actor=\(rule.actorNames.joined(separator: ","))" }
                if !rule.actorRoles.isEmpty { line += " role=\(rule.actorRoles.joined(separator: ","))" }
                if !rule.actorUIDs.isEmpty { line += " uid=\(rule.actorUIDs.map(String.init).joined(separator: ","))" }
                if let review = rule.review { line += " review=\(review.group)×\(review.threshold)" }
                print(line)
                if let condition = rule.condition { print("        when \(condition.split(separator: "\n").joined(separator: " "))") }
            }
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "eval", abstract: "Decide one call and show the rules, reasons and facts.")

        @Option(help: "Tool name.") var tool: String
        @Option(help: "Arguments as a JSON object.") var args: String = "{}"
        @Option(help: "Actor name.") var actor: String = "cli"
        @Option(help: "Actor roles, comma-separated.") var roles: String = ""
        @Option(help: "Actor uid.") var uid: UInt32 = UInt32(getuid())
        @Option(help: "Policy file.") var policy: String = PolicyCommand.defaultPolicyPath
        @Option(help: "Tool catalog whose tools[].intent says which extractor reads which argument (default: \(PolicyCommand.defaultCatalogPath) if present).")
        var catalog: String?
        @Option(name: .customLong("intent"), help: "EXTRACTOR:ARGUMENT, e.g. shell:command (repeatable); overrides the catalog.")
        var intents: [String] = []
        @Flag(help: "Evaluate without any intent extractor when the catalog does not know the tool.") var noIntent = false
        @Flag(help: "Also print every extracted fact, not only those that mattered.") var allFacts = false

        func run() throws {
            let loaded = try PolicyCommand.loadPolicy(policy)
            let arguments: [String: JSONValue]
            do {
                guard case .object(let object) = try CanonicalJSON.parse(args) else { throw AirlockError(.invalidArguments, "--args must be a JSON object") }
                arguments = object
            } catch {
                PolicyCommand.printError(error)
                throw ExitCode.failure
            }
            let request = PolicyRequest(tool: tool, arguments: arguments,
                                        actor: Actor(name: actor, roles: roles.split(separator: ",").map(String.init), uid: uid, gid: uid, pid: 0),
                                        intent: try resolveIntent())
            let decision = loaded.decide(request)
            var output: [String: JSONValue] = [
                "effect": .string(decision.effect.rawValue),
                "rules": .array(decision.ruleIDs.map(JSONValue.string)),
                "reasons": .array(decision.reasons.map(JSONValue.string)),
                "facts": .object(decision.facts),
                "revision": .string(decision.policyRevision),
                "intent": .array(request.intent.map { .string("\($0.extractor.rawValue):\($0.argument)") }),
            ]
            if let review = decision.review { output["review"] = try JSONValue(encoding: review) }
            if allFacts { output["allFacts"] = .object(loaded.facts(for: request)) }
            PolicyCommand.printJSON(.object(output))
        }

        private func resolveIntent() throws -> [IntentBinding] {
            if !intents.isEmpty {
                return try intents.map { text in
                    guard let binding = IntentBinding(shorthand: text) else {
                        throw ValidationError("--intent '\(text)' is not EXTRACTOR:ARGUMENT with EXTRACTOR one of sql, shell, network")
                    }
                    return binding
                }
            }
            if let known = try PolicyCommand.loadCatalog(catalog)?.intent(for: tool) { return known }
            if noIntent { return [] }
            throw ValidationError("no intent is known for tool '\(tool)': pass --catalog FILE (a catalog with tools[].intent), "
                + "--intent EXTRACTOR:ARGUMENT (e.g. --intent shell:command), or --no-intent")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "test", abstract: "Run a file of calls with expected decisions; exit non-zero on any mismatch.")

        @Argument(help: "The test cases file.") var cases: String
        @Option(help: "Policy file.") var policy: String = PolicyCommand.defaultPolicyPath
        @Option(help: "Tool catalog for tools the cases file does not declare (default: \(PolicyCommand.defaultCatalogPath) if present).")
        var catalog: String?

        func run() throws {
            let loaded = try PolicyCommand.loadPolicy(policy)
            let suite: PolicyTestSuite
            do { suite = try PolicyTestSuite.load(path: cases, catalog: try PolicyCommand.loadCatalog(catalog) ?? IntentCatalog()) } catch let exit as ExitCode {
                throw exit
            } catch {
                PolicyCommand.printError(error)
                throw ExitCode.failure
            }
            let outcomes = suite.run(against: loaded)
            let failures = outcomes.filter { !$0.passed }
            for failure in failures {
                let c = failure.testCase
                var line = "FAIL \(cases):\(c.line): \(c.name): expected \(c.expect.rawValue), got \(failure.decision.effect.rawValue) \(failure.decision.ruleIDs)"
                let missing = c.expectedRules.filter { !failure.decision.ruleIDs.contains($0) }
                if !missing.isEmpty { line += "; missing rules \(missing)" }
                print(line)
                for reason in failure.decision.reasons { print("    \(reason)") }
            }
            let falseAllows = outcomes.filter(\.isFalseAllow).count
            print("\(outcomes.count) cases, \(outcomes.count - failures.count) passed, \(failures.count) failed (\(falseAllows) false allows); policy revision \(loaded.revision)")
            if !failures.isEmpty { throw ExitCode.failure }
        }
    }
}
