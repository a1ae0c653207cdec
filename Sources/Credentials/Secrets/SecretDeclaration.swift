/// A secret a tool may receive, as declared in the tool catalog: where the
/// daemon reads its value. The value itself is never in the config.
public struct SecretDeclaration: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// A file readable by the daemon (trailing newlines are dropped).
        case file(String)
        /// A variable in the daemon's own environment.
        case environment(String)
    }

    /// The name the tool sees it under (e.g. its environment variable name).
    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

/// A secret with its value. Its description never shows the value, so a
/// stray `print` or log interpolation cannot leak it.
public struct ResolvedSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "secret \(name) (\(value.utf8.count) bytes, value hidden)" }
    public var debugDescription: String { description }
}
