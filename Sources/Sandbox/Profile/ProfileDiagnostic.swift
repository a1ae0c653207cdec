import AirlockCore

/// Where a profile value came from: the file an admin edits, the line to
/// look at, and the dotted field path (`limits.memory`,
/// `filesystem.read_only[2]`). Every value the loader keeps carries one, so
/// an error found only after `extends:` merged several files still points at
/// the line that caused it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String

    public init(file: String, line: Int, field: String) {
        self.file = file
        self.line = line
        self.field = field
    }

    public var description: String { "\(file):\(line): \(field)" }
}

/// One finding about a profile. Errors stop the profile from ever running;
/// warnings (from the linter) are for a human to weigh.
public struct ProfileDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// `Profiles/bad.yaml:12: limits.memory: "12QB" is not a size (use e.g. 512M, 1G)`;
    /// warnings say so after the field: `Profiles/network.yaml:7: network: warning: ...`.
    public var description: String {
        let field = location.field.isEmpty ? "" : "\(location.field): "
        let severity = self.severity == .warning ? "warning: " : ""
        return "\(location.file):\(location.line): \(field)\(severity)\(message)"
    }
}

/// All the errors found in one profile (and its parents). Thrown by the
/// loader; converts to the cross-module `AirlockError` for callers that only
/// need one line.
public struct ProfileValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var profile: String
    public var diagnostics: [ProfileDiagnostic]

    public init(profile: String, diagnostics: [ProfileDiagnostic]) {
        self.profile = profile
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// One line: the first error, and how many more `airlock profile lint` would show.
    public var airlockError: AirlockError {
        let first = diagnostics.first?.description ?? "profile \(profile) is invalid"
        let more = diagnostics.count > 1
            ? " (and \(diagnostics.count - 1) more; run `airlock profile lint \(profile)`)" : ""
        return AirlockError(.invalidProfile, first + more)
    }
}

/// Collects diagnostics while a profile is parsed and merged, so one run of
/// the loader reports every mistake instead of the first only.
struct DiagnosticLog: Sendable {
    private(set) var entries: [ProfileDiagnostic] = []

    var hasErrors: Bool { entries.contains { $0.severity == .error } }

    mutating func error(_ location: SourceLocation, _ message: String) {
        entries.append(ProfileDiagnostic(.error, location, message))
    }

    mutating func append(contentsOf other: [ProfileDiagnostic]) { entries.append(contentsOf: other) }
}
