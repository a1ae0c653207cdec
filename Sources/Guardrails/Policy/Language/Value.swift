import AirlockCore

/// A runtime value of the condition language.
///
/// Kept separate from `JSONValue` because evaluation needs one more case,
/// `error`, with CEL's absorbing semantics (`true || error` is `true`): a
/// condition that touches a missing argument must not crash the decision,
/// and the engine decides per effect what an error means (fail closed).
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([Value])
    case map([String: Value])
    /// A fact object: values in the order of `shape.fieldNames`.
    case record(RecordShape, [Value])
    case error(String)

    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(Value.init))
        case .object(let o): self = .map(o.mapValues(Value.init))
        }
    }

    /// The JSON form used in decisions and the audit trail; errors become
    /// a string so the trail still shows that evaluation failed.
    public var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .list(let l): .array(l.map(\.json))
        case .map(let m): .object(m.mapValues(\.json))
        case .record(let shape, let fields): .object(Dictionary(uniqueKeysWithValues: zip(shape.fieldNames, fields.map(\.json))))
        case .error(let e): .string("error: \(e)")
        }
    }

    static func strings(_ items: some Sequence<String>) -> Value { .list(items.map(Value.string)) }

    /// The field or key `name` of a record or map, looked up by name.
    func member(_ name: String) -> Value? {
        switch self {
        case .map(let m): m[name]
        case .record(let shape, let fields): shape.index(of: name).map { fields[$0] }
        default: nil
        }
    }

    /// Whether `==` on this value is the language's equality: true for
    /// strings, bools and null; numbers compare across int and double instead.
    var comparesExactly: Bool {
        switch self {
        case .string, .bool, .null: true
        default: false
        }
    }

    var isError: Bool { if case .error = self { true } else { false } }
}
