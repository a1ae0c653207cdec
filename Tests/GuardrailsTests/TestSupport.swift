import AirlockCore
import Foundation
@testable import Guardrails

/// Paths of the files the tests read, found from this source file so that
/// tests need no bundle resources and run from any working directory.
enum TestFiles {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let corpusDirectory = testsDirectory.appendingPathComponent("Corpus")
    static let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let defaultPolicy = repositoryRoot.appendingPathComponent("Examples/policy.yaml").path
    static let policyTests = repositoryRoot.appendingPathComponent("Examples/policy-tests.yaml").path
    static let catalog = corpusDirectory.appendingPathComponent("catalog.yaml").path
}

let agent = Actor(name: "ci-agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 42)

func request(_ tool: String, _ arguments: [String: JSONValue], intent: [IntentBinding] = [], actor: Actor = agent) -> PolicyRequest {
    PolicyRequest(tool: tool, arguments: arguments, actor: actor, intent: intent)
}

func shellFacts(_ command: String) -> [String: JSONValue] {
    var network = NetworkObservations()
    let facts = ShellExtractor.facts(command, network: &network).facts.json.objectValue!
    return facts
}

func sqlFacts(_ text: String) -> [String: JSONValue] {
    SQLExtractor.facts(text).facts.json.objectValue!
}

func networkFacts(_ command: String, allow: [String] = []) throws -> [String: JSONValue] {
    var network = NetworkObservations()
    _ = ShellExtractor.facts(command, network: &network)
    return network.facts(allowlist: try NetworkAllowlist(entries: allow)).json.objectValue!
}
