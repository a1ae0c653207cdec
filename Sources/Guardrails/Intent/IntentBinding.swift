/// Which extractor reads which argument of a tool. Declared per tool in the
/// catalog (owned by the daemon), e.g. `{ extractor: shell, argument: command }`.
public struct IntentBinding: Sendable, Hashable, Codable {
    public var extractor: IntentExtractorKind
    public var argument: String

    public init(extractor: IntentExtractorKind, argument: String) {
        self.extractor = extractor
        self.argument = argument
    }

    /// Parses `shell:command` (the CLI's `--intent`).
    public init?(shorthand: String) {
        let parts = shorthand.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = IntentExtractorKind(rawValue: parts[0]), !parts[1].isEmpty else { return nil }
        self.init(extractor: kind, argument: parts[1])
    }
}

public enum IntentExtractorKind: String, Sendable, Hashable, Codable, CaseIterable {
    case sql, shell, network
}
