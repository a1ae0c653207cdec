/// Static types of the condition language, checked when a policy loads so
/// that a typo (`sql.unboundedWrites`) or a mismatch (`actor.uid == "0"`) is
/// a load error with a line number, never a rule that silently never fires.
indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case bool, int, double, string, null
    /// Known only at run time (tool arguments); checked when evaluated.
    case dyn
    case list(ValueType)
    /// String-keyed map whose keys are not known in advance.
    case map(ValueType)
    /// A record with a fixed set of fields (the intent facts, the actor).
    case object(RecordShape)

    var description: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .null: "null"
        case .dyn: "dyn"
        case .list(let e): "list(\(e))"
        case .map(let v): "map(string, \(v))"
        case .object(let shape): shape.name
        }
    }

    var isNumeric: Bool { self == .int || self == .double }

    /// Whether values of the two types may be compared for equality.
    func isComparable(with other: ValueType) -> Bool {
        if self == .dyn || other == .dyn || self == .null || other == .null { return true }
        if isNumeric && other.isNumeric { return true }
        switch (self, other) {
        case (.list(let a), .list(let b)): return a.isComparable(with: b)
        case (.map(let a), .map(let b)): return a.isComparable(with: b)
        default: return self == other
        }
    }

    /// Whether the type can stand where a bool is required.
    var canBeBool: Bool { self == .bool || self == .dyn }
}
