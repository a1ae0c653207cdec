import Foundation

/// Canonical JSON: object keys sorted by their UTF-16 code units (as RFC 8785
/// does), no insignificant whitespace, minimal string escaping, integers
/// without a fraction. Two equal `JSONValue`s always encode to the same
/// bytes, which is what makes action digests and audit hashes reproducible
/// across processes and machines.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func data(_ value: JSONValue) -> Data { Data(encode(value).utf8) }

    /// Parses JSON text into a `JSONValue`. Throws `AirlockError.invalidJSON`
    /// naming what is wrong and where.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser.parse([UInt8](data))
    }

    public static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            let keys = o.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(o[key]!, into: &out)
            }
            out += "}"
        }
    }

    private static func writeDouble(_ d: Double, into out: inout String) {
        guard d.isFinite else { out += "null"; return }
        if d.rounded() == d, abs(d) < 1e15 { out += String(Int64(d)); return }
        out += "\(d)"
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue {
    /// This value's canonical JSON text.
    public var canonicalText: String { CanonicalJSON.encode(self) }

    /// Converts any `Encodable` into a `JSONValue` (through JSONEncoder), so
    /// typed results can be embedded in audit events and MCP replies.
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        self = try CanonicalJSON.parse(data)
    }

    /// Decodes this value into a typed `Decodable`.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: CanonicalJSON.data(self))
    }
}
