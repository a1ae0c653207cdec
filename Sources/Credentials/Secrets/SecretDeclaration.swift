/// A secret a tool may receive, as declared in the tool catalog: where the
/// daemon reads its value and which environment variable carries it into
/// the sandbox. The value itself is never in the config.
///
/// This is the one declaration type: the catalog (Executor) parses it, this
/// module resolves, injects and masks it.
public struct SecretDeclaration: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        /// A file readable by the daemon (trailing newlines are dropped).
        case file(String)
        /// A variable in the daemon's own environment.
        case environment(String)
    }

    /// The declaration's name, used in errors and masking placeholders.
    public var name: String
    public var source: Source
    /// The environment variable set inside the sandbox.
    public var environmentVariable: String

    public init(name: String, source: Source, environmentVariable: String) {
        self.name = name
        self.source = source
        self.environmentVariable = environmentVariable
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
