import Yams

/// Reads Yams nodes into typed values, recording an error with file, line
/// and field for anything that is not what the profile format expects.
/// Working at the node level (not `Decodable`) is what gives every error a
/// line number and lets unknown keys be errors.
struct YAMLReader {
    let file: String
    var log = DiagnosticLog()

    init(file: String) { self.file = file }

    func location(_ node: Node, _ field: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, field: field)
    }

    mutating func error(_ node: Node, _ field: String, _ message: String) {
        log.error(location(node, field), message)
    }

    /// The key/value pairs of a mapping whose keys must come from `allowed`.
    /// Unknown keys are errors: a misspelt `read_olny:` must not silently
    /// drop a restriction.
    mutating func fields(_ node: Node, _ field: String, allowed: [String]) -> [(key: String, value: Node, field: String)] {
        pairs(node, field).compactMap { pair in
            guard allowed.contains(pair.key) else {
                let expected = allowed.joined(separator: ", ")
                error(pair.keyNode, pair.field,
                      "unknown key\(Suggestion.didYouMean(pair.key, among: allowed)) (expected one of: \(expected))")
                return nil
            }
            return (pair.key, pair.value, pair.field)
        }
    }

    /// The pairs of a mapping with free-form keys (environment, symlinks, tmpfs).
    mutating func pairs(_ node: Node, _ field: String) -> [(key: String, keyNode: Node, value: Node, field: String)] {
        guard case .mapping(let mapping) = node else {
            error(node, field, "expected a mapping of key: value lines, found \(describe(node))")
            return []
        }
        return mapping.compactMap { key, value in
            guard case .scalar(let scalar) = key else {
                error(key, field, "keys must be plain text")
                return nil
            }
            let childField = field.isEmpty ? scalar.string : "\(field).\(scalar.string)"
            return (scalar.string, key, value, childField)
        }
    }

    /// The items of a sequence, each with its indexed field path (`allow[3]`).
    mutating func items(_ node: Node, _ field: String) -> [(node: Node, field: String)] {
        guard case .sequence(let sequence) = node else {
            error(node, field, "expected a list (- item lines or [a, b]), found \(describe(node))")
            return []
        }
        return sequence.enumerated().map { ($1, "\(field)[\($0)]") }
    }

    mutating func string(_ node: Node, _ field: String) -> Located<String>? {
        guard case .scalar(let scalar) = node, node.null == nil || scalar.style != .plain else {
            error(node, field, "expected text, found \(describe(node))")
            return nil
        }
        return Located(value: scalar.string, location: location(node, field))
    }

    /// YAML 1.1's booleans, as Yams' default resolver spells them (the
    /// profile parser composes without tag resolution).
    static let booleans: [String: Bool] = [
        "true": true, "True": true, "TRUE": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
        "false": false, "False": false, "FALSE": false, "no": false, "No": false, "NO": false,
        "off": false, "Off": false, "OFF": false,
    ]

    mutating func bool(_ node: Node, _ field: String) -> Located<Bool>? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Self.booleans[scalar.string] else {
            error(node, field, "expected true or false, found \(describe(node))")
            return nil
        }
        return Located(value: value, location: location(node, field))
    }

    /// A non-negative integer (decimal, 0x hex, 0o octal, 0b binary).
    mutating func unsigned(_ node: Node, _ field: String) -> Located<UInt64>? {
        parsed(node, field, ProfileUnits.parseUnsigned, "is not a non-negative integer")
    }

    mutating func size(_ node: Node, _ field: String) -> Located<UInt64>? {
        parsed(node, field, ProfileUnits.parseSize, "is not a size (\(ProfileUnits.sizeHint))")
    }

    mutating func duration(_ node: Node, _ field: String) -> Located<Double>? {
        parsed(node, field, ProfileUnits.parseDuration, "is not a duration (\(ProfileUnits.durationHint))")
    }

    /// A scalar read through `parse`; on failure the error quotes the text:
    /// `limits.memory: "12QB" is not a size (use e.g. 512M, 1G)`.
    private mutating func parsed<T: Sendable & Hashable>(_ node: Node, _ field: String, _ parse: (String) -> T?,
                                    _ complaint: String) -> Located<T>? {
        guard let text = string(node, field) else { return nil }
        guard let value = parse(text.value) else {
            error(node, field, "\"\(text.value)\" \(complaint)")
            return nil
        }
        return Located(value: value, location: text.location)
    }

    /// How a node looks, for "expected X, found Y" messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): node.null != nil && scalar.style == .plain ? "nothing" : "\"\(scalar.string)\""
        }
    }
}
