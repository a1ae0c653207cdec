import AirlockCore
import Foundation

/// A tool's argument schema, compiled once when the catalog loads.
///
/// Airlock implements the subset of JSON Schema that tool catalogs need:
/// `type`, `properties`, `required`, `additionalProperties`, `enum`,
/// `const`, `pattern`, `minimum`/`maximum` (and the exclusive forms),
/// `minLength`/`maxLength`, `items`, `minItems`/`maxItems`. Any other
/// validation keyword is rejected at load time instead of being ignored:
/// an admin who writes `oneOf` or `format` believes it is enforced, and a
/// silently skipped constraint is an argument that reaches a command
/// unchecked. Pure annotations (`description`, `title`, `default`...) are
/// accepted and kept in the published schema.
public final class JSONSchema: Sendable {
    public enum AdditionalProperties: Sendable {
        case allowed
        case forbidden
        case schema(JSONSchema)
    }

    /// The schema exactly as written, published by `tools/list`.
    public let source: JSONValue
    public let types: [String]?
    public let properties: [String: JSONSchema]
    public let required: [String]
    public let additionalProperties: AdditionalProperties
    public let allowedValues: [JSONValue]?
    public let pattern: SchemaPattern?
    public let minimum: Double?
    public let maximum: Double?
    public let exclusiveMinimum: Double?
    public let exclusiveMaximum: Double?
    public let minLength: Int?
    public let maxLength: Int?
    public let items: JSONSchema?
    public let minItems: Int?
    public let maxItems: Int?

    static let knownTypes: Set<String> = ["string", "integer", "number", "boolean", "object", "array", "null"]
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    ]
    static let validations: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "pattern", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "items", "minItems", "maxItems",
    ]

    /// Compiles `source`; `path` names the location for error messages.
    /// Throws `invalidConfig` describing the first problem found.
    public init(_ source: JSONValue, path: String = "$") throws {
        guard case .object(let o) = source else { throw Self.error(path, "a schema must be an object") }
        for key in o.keys where !Self.annotations.contains(key) && !Self.validations.contains(key) {
            throw Self.error(path, "unsupported keyword '\(key)'; Airlock validates only: "
                + Self.validations.sorted().joined(separator: ", "))
        }
        self.source = source

        switch o["type"] {
        case nil: types = nil
        case .string(let t)?: types = [t]
        case .array(let a)?: types = try a.map { guard let s = $0.stringValue else { throw Self.error(path, "'type' entries must be strings") }; return s }
        default: throw Self.error(path, "'type' must be a string or a list of strings")
        }
        for t in types ?? [] where !Self.knownTypes.contains(t) { throw Self.error(path, "unknown type '\(t)'") }

        var properties: [String: JSONSchema] = [:]
        if let p = o["properties"] {
            guard case .object(let props) = p else { throw Self.error(path, "'properties' must be an object") }
            for (name, schema) in props { properties[name] = try JSONSchema(schema, path: "\(path).properties.\(name)") }
        }
        self.properties = properties

        if let r = o["required"] {
            guard case .array(let names) = r else { throw Self.error(path, "'required' must be a list of names") }
            required = try names.map { guard let s = $0.stringValue else { throw Self.error(path, "'required' must be a list of names") }; return s }
        } else {
            required = []
        }

        switch o["additionalProperties"] {
        case nil, .bool(true)?: additionalProperties = .allowed
        case .bool(false)?: additionalProperties = .forbidden
        case let schema?: additionalProperties = .schema(try JSONSchema(schema, path: "\(path).additionalProperties"))
        }

        switch (o["enum"], o["const"]) {
        case (nil, nil): allowedValues = nil
        case (.array(let values)?, nil): allowedValues = values
        case (nil, let value?): allowedValues = [value]
        case (.some, .some): throw Self.error(path, "use either 'enum' or 'const', not both")
        default: throw Self.error(path, "'enum' must be a list")
        }

        if let p = o["pattern"] {
            guard let text = p.stringValue else { throw Self.error(path, "'pattern' must be a string") }
            pattern = try SchemaPattern(text, path: path)
        } else {
            pattern = nil
        }

        minimum = try Self.number(o, "minimum", path)
        maximum = try Self.number(o, "maximum", path)
        exclusiveMinimum = try Self.number(o, "exclusiveMinimum", path)
        exclusiveMaximum = try Self.number(o, "exclusiveMaximum", path)
        minLength = try Self.count(o, "minLength", path)
        maxLength = try Self.count(o, "maxLength", path)
        minItems = try Self.count(o, "minItems", path)
        maxItems = try Self.count(o, "maxItems", path)
        items = try o["items"].map { try JSONSchema($0, path: "\(path).items") }
    }

    private static func number(_ o: [String: JSONValue], _ key: String, _ path: String) throws -> Double? {
        guard let v = o[key] else { return nil }
        guard let d = v.doubleValue else { throw error(path, "'\(key)' must be a number") }
        return d
    }

    private static func count(_ o: [String: JSONValue], _ key: String, _ path: String) throws -> Int? {
        guard let v = o[key] else { return nil }
        guard let i = v.intValue, i >= 0 else { throw error(path, "'\(key)' must be a non-negative integer") }
        return Int(i)
    }

    private static func error(_ path: String, _ message: String) -> AirlockError {
        AirlockError(.invalidConfig, "inputSchema \(path): \(message)")
    }
}

/// A compiled `pattern`. JSON Schema patterns are unanchored searches
/// (ECMA-262 flavour); NSRegularExpression's syntax covers the subset that
/// tool schemas use (classes, anchors, lookahead, quantifiers).
public final class SchemaPattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as
    // safe to use from several threads, hence @unchecked.
    public let text: String
    private let regex: NSRegularExpression

    init(_ text: String, path: String) throws {
        self.text = text
        do {
            regex = try NSRegularExpression(pattern: text)
        } catch {
            throw AirlockError(.invalidConfig, "inputSchema \(path): 'pattern' is not a valid regular expression: \(text)")
        }
    }

    public func matches(_ string: String) -> Bool {
        regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }
}
