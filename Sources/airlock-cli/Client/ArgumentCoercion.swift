import AirlockCore

/// Turns `--arg key=value` strings into typed JSON using the tool's
/// published schema, so `--arg limit=5` reaches an integer parameter as 5
/// and a string parameter as "5". Values for parameters the schema does not
/// type stay strings; `--json` is there for anything more complex.
enum ArgumentCoercion {
    static func coerce(_ pairs: [String], schema: JSONValue?) throws -> [String: JSONValue] {
        var arguments: [String: JSONValue] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw AirlockError(.invalidArguments, "--arg expects key=value, got '\(pair)'")
            }
            let key = String(pair[..<equals])
            let text = String(pair[pair.index(after: equals)...])
            arguments[key] = try value(text, type: declaredType(of: key, in: schema), key: key)
        }
        return arguments
    }

    static func declaredType(of key: String, in schema: JSONValue?) -> String? {
        switch schema?["properties"]?[key]?["type"] {
        case .string(let type)?: return type
        case .array(let types)?: return types.compactMap(\.stringValue).first { $0 != "null" }
        default: return nil
        }
    }

    static func value(_ text: String, type: String?, key: String) throws -> JSONValue {
        switch type {
        case "integer":
            guard let i = Int64(text) else { throw AirlockError(.invalidArguments, "--arg \(key): '\(text)' is not an integer") }
            return .int(i)
        case "number":
            guard let d = Double(text) else { throw AirlockError(.invalidArguments, "--arg \(key): '\(text)' is not a number") }
            return .double(d)
        case "boolean":
            guard let b = Bool(text) else { throw AirlockError(.invalidArguments, "--arg \(key): use true or false") }
            return .bool(b)
        case "array", "object":
            return try CanonicalJSON.parse(text)
        default:
            return .string(text)
        }
    }
}
