import AirlockCore
import Foundation
import Synchronization

/// The kind-specific `fields` in the shapes the queries, stats and a SIEM
/// expect: snake_case keys (`rule_ids`, `policy_revision`,
/// `denied_syscalls`) as in OPA decision logs and Teleport events. The
/// executor builds events with these so `--effect deny` and
/// `stats` find what they look for.
public enum AuditFields {
    /// `{"decision": {...}}` for `policy.decided`.
    public static func decision(_ decision: Decision) -> [String: JSONValue] {
        ["decision": snakeCase(decision)]
    }

    /// `{"result": {...}}` for `run.finished`: exit, limits hit, manifest,
    /// denied and recorded syscalls, rusage, output sizes and excerpts.
    public static func result(_ result: RunResult) -> [String: JSONValue] {
        ["result": snakeCase(result)]
    }

    /// `{"approval": {"id", "reviewers"}}` for the approval kinds.
    public static func approval(id: String, reviewers: [String] = [], extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var approval = extra
        approval["id"] = .string(id)
        approval["reviewers"] = .array(reviewers.map { .string($0) })
        return ["approval": .object(approval)]
    }

    /// `{"credential": {"jti", ...}}` for `credential.issued` / `credential.used`.
    public static func credential(jti: String, extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var credential = extra
        credential["jti"] = .string(jti)
        return ["credential": .object(credential)]
    }

    /// Any `Encodable` as JSON with snake_case keys. Built as a tree
    /// directly (`JSONValueEncoder`): every call's `run.finished` record
    /// encodes a whole run result, and a trip through JSON text cost a
    /// third of a millisecond of each daemon call.
    public static func snakeCase<T: Encodable>(_ value: T) -> JSONValue {
        (try? JSONValueEncoder.encode(value, keyName: snakeCaseName)) ?? .null
    }

    /// A field name in snake_case (see `SnakeCaseKey`). Memoized: the names
    /// are the few dozen of Airlock's own types, and every run.finished
    /// record converts each of them again.
    static func snakeCaseName(_ camel: String) -> String {
        if let known = snakeCaseNames.withLock({ $0[camel] }) { return known }
        let snake = SnakeCaseKey(camel).stringValue
        snakeCaseNames.withLock { $0[camel] = snake }
        return snake
    }

    private static let snakeCaseNames = Mutex<[String: String]>([:])
}

/// camelCase → snake_case that keeps acronyms whole: `ruleIDs` → `rule_ids`,
/// `userCPUSeconds` → `user_cpu_seconds`, `landlockABI` → `landlock_abi`
/// (Foundation's `.convertToSnakeCase` gives `rule_i_ds`).
private struct SnakeCaseKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ camel: String) {
        let characters = Array(camel)
        var snake = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                let pluralAcronym = next == "s" && (index + 2 == characters.count || characters[index + 2].isUppercase)
                if previous.isLowercase || previous.isNumber
                    || (previous.isUppercase && next?.isLowercase == true && !pluralAcronym) {
                    snake.append("_")
                }
            }
            snake += character.lowercased()
        }
        stringValue = snake
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
