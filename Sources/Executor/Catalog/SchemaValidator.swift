import AirlockCore

/// One reason a value does not satisfy a schema, located by a JSONPath-like
/// path (`$.files[2].name`) so an agent can fix the exact argument.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

extension JSONSchema {
    /// Every violation of this schema by `value` (empty when valid), capped so
    /// a hostile 100,000-element array cannot make the error itself huge.
    public func violations(of value: JSONValue, at path: String = "$", limit: Int = 20) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        collect(value, path, &out, limit)
        return out
    }

    private func collect(_ value: JSONValue, _ path: String, _ out: inout [SchemaViolation], _ limit: Int) {
        func fail(_ message: String) {
            if out.count < limit { out.append(SchemaViolation(path: path, message: message)) }
        }
        if out.count >= limit { return }

        if let types, !types.contains(where: { Self.value(value, hasType: $0) }) {
            fail("expected \(types.joined(separator: " or ")), got \(value.typeName)")
            return
        }
        if let allowedValues, !allowedValues.contains(where: { Self.equal($0, value) }) {
            let shown = allowedValues.prefix(10).map(\.canonicalText).joined(separator: ", ")
            fail("must be one of: \(shown)\(allowedValues.count > 10 ? ", …" : "")")
        }

        switch value {
        case .string(let s):
            let length = s.unicodeScalars.count
            if let minLength, length < minLength { fail("must be at least \(minLength) characters long") }
            if let maxLength, length > maxLength { fail("must be at most \(maxLength) characters long (got \(length))") }
            if let pattern, !pattern.matches(s) { fail("does not match pattern \(pattern.text)") }
        case .int, .double:
            let d = value.doubleValue!
            if let minimum, d < minimum { fail("must be ≥ \(Self.show(minimum))") }
            if let maximum, d > maximum { fail("must be ≤ \(Self.show(maximum))") }
            if let exclusiveMinimum, d <= exclusiveMinimum { fail("must be > \(Self.show(exclusiveMinimum))") }
            if let exclusiveMaximum, d >= exclusiveMaximum { fail("must be < \(Self.show(exclusiveMaximum))") }
        case .array(let elements):
            if let minItems, elements.count < minItems { fail("must have at least \(minItems) items") }
            if let maxItems, elements.count > maxItems { fail("must have at most \(maxItems) items") }
            if let items {
                for (i, element) in elements.enumerated() { items.collect(element, "\(path)[\(i)]", &out, limit) }
            }
        case .object(let members):
            for name in required where members[name] == nil { fail("missing required property '\(name)'") }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                let memberPath = "\(path).\(name)"
                if let schema = properties[name] {
                    schema.collect(member, memberPath, &out, limit)
                    continue
                }
                switch additionalProperties {
                case .allowed: break
                case .forbidden:
                    let known = properties.keys.sorted().joined(separator: ", ")
                    if out.count < limit {
                        out.append(SchemaViolation(path: memberPath, message: "unknown property (allowed: \(known))"))
                    }
                case .schema(let schema): schema.collect(member, memberPath, &out, limit)
                }
            }
        case .null, .bool:
            break
        }
    }

    /// JSON Schema typing: 1.0 is an integer, every integer is a number.
    static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        case ("integer", .double(let d)): d.isFinite && d.rounded() == d
        default: false
        }
    }

    /// Equality for `enum`/`const`, where 1 and 1.0 are the same number.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue, a.typeName != "string" { return x == y }
        return a == b
    }

    private static func show(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
