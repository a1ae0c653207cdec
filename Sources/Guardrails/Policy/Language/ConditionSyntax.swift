/// The syntax tree of a condition, before type checking.
///
/// Positions are kept on every node so that a type error names the line
/// and column inside the policy file, not just "somewhere in this rule".
struct ConditionNode: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        case identifier(String)
        case list([ConditionNode])
        case member(ConditionNode, String)
        case index(ConditionNode, ConditionNode)
        /// `name(args)` when `target` is nil, else `target.name(args)`.
        case call(target: ConditionNode?, name: String, arguments: [ConditionNode])
        case not(ConditionNode)
        case negate(ConditionNode)
        case binary(BinaryOperator, ConditionNode, ConditionNode)
    }

    var kind: Kind
    var position: SourcePosition
}

enum BinaryOperator: String, Sendable {
    case and = "&&", or = "||"
    case equal = "==", notEqual = "!="
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in"
}

/// A 1-based line and column inside a condition's text.
struct SourcePosition: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// A syntax or type error inside a condition, positioned within its text;
/// the policy loader shifts it to the file's coordinates.
struct ConditionError: Error, Sendable {
    var position: SourcePosition
    var message: String
}
