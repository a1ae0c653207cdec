import Foundation

/// Runtime helpers shared by the compiled conditions: equality across int
/// and double, ordering, and the CEL error-absorbing boolean operators.
enum ConditionRuntime {
    static func equal(_ a: Value, _ b: Value) -> Value {
        if case .error = a { return a }
        if case .error = b { return b }
        switch (a, b) {
        case (.int(let x), .double(let y)): return .bool(Double(x) == y)
        case (.double(let x), .int(let y)): return .bool(x == Double(y))
        default: return .bool(a == b)
        }
    }

    static func compare(_ a: Value, _ b: Value, _ op: BinaryOperator) -> Value {
        if case .error = a { return a }
        if case .error = b { return b }
        let ordering: Int
        switch (a, b) {
        case (.int(let x), .int(let y)): ordering = x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)): ordering = x < y ? -1 : (x == y ? 0 : 1)
        case (.int, .double), (.double, .int), (.double, .double):
            let x = numeric(a), y = numeric(b)
            ordering = x < y ? -1 : (x == y ? 0 : 1)
        default:
            return .error("cannot order \(kind(a)) and \(kind(b))")
        }
        switch op {
        case .less: return .bool(ordering < 0)
        case .lessOrEqual: return .bool(ordering <= 0)
        case .greater: return .bool(ordering > 0)
        default: return .bool(ordering >= 0)
        }
    }

    static func contains(_ container: Value, _ element: Value) -> Value {
        if case .error = element { return element }
        switch container {
        case .list(let items):
            for item in items where equal(item, element) == .bool(true) { return .bool(true) }
            return .bool(false)
        case .map(let m):
            guard case .string(let key) = element else { return .error("map keys are strings") }
            return .bool(m[key] != nil)
        case .error: return container
        default: return .error("'in' needs a list or map, got \(kind(container))")
        }
    }

    static func numeric(_ v: Value) -> Double {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: .nan
        }
    }

    static func kind(_ v: Value) -> String {
        switch v {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        case .record(let shape, _): shape.name
        case .error: "error"
        }
    }
}

/// A compiled regular expression shared by every evaluation of a rule.
/// NSRegularExpression is documented as safe to use from many threads once
/// built; the box states that to the compiler.
final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression

    init(_ regex: NSRegularExpression) { self.regex = regex }

    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}
