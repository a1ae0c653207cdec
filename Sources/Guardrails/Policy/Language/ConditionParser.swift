/// Recursive-descent parser for the condition language, a subset of CEL:
///
///     expr     = or
///     or       = and { "||" and }
///     and      = relation { "&&" relation }
///     relation = unary [ ("=="|"!="|"<"|"<="|">"|">="|"in") unary ]
///     unary    = "!" unary | "-" unary | postfix
///     postfix  = primary { "." IDENT [ "(" args ")" ] | "[" expr "]" }
///     primary  = IDENT [ "(" args ")" ] | literal | "(" expr ")" | "[" args "]"
///
/// Relations do not chain (`a < b < c` is an error), as in CEL.
struct ConditionParser {
    private var tokens: [ConditionLexer.Located]
    private var index = 0

    static func parse(_ text: String) throws(ConditionError) -> ConditionNode {
        var parser = ConditionParser(tokens: try ConditionLexer.tokenize(text))
        let node = try parser.parseOr()
        guard case .end = parser.current.token else {
            throw ConditionError(position: parser.current.position, message: "unexpected \(parser.describe(parser.current.token)) after the end of the expression")
        }
        return node
    }

    private init(tokens: [ConditionLexer.Located]) { self.tokens = tokens }

    private var current: ConditionLexer.Located { tokens[index] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func isSymbol(_ s: String) -> Bool { current.token == .symbol(s) }

    private mutating func expect(_ s: String) throws(ConditionError) {
        guard isSymbol(s) else {
            throw ConditionError(position: current.position, message: "expected '\(s)' but found \(describe(current.token))")
        }
        advance()
    }

    private func describe(_ token: ConditionLexer.Token) -> String {
        switch token {
        case .identifier(let s): "'\(s)'"
        case .int(let i): "'\(i)'"
        case .double(let d): "'\(d)'"
        case .string(let s): "string \"\(s)\""
        case .symbol(let s): "'\(s)'"
        case .end: "end of expression"
        }
    }

    private mutating func parseOr() throws(ConditionError) -> ConditionNode {
        try parseChain(.or) { (p: inout ConditionParser) throws(ConditionError) in try p.parseAnd() }
    }

    private mutating func parseAnd() throws(ConditionError) -> ConditionNode {
        try parseChain(.and) { (p: inout ConditionParser) throws(ConditionError) in try p.parseRelation() }
    }

    /// `operand { op operand }`, left-associative.
    private mutating func parseChain(_ op: BinaryOperator, operand: (inout ConditionParser) throws(ConditionError) -> ConditionNode) throws(ConditionError) -> ConditionNode {
        var left = try operand(&self)
        while isSymbol(op.rawValue) {
            let position = current.position
            advance()
            left = ConditionNode(kind: .binary(op, left, try operand(&self)), position: position)
        }
        return left
    }

    private mutating func relationOperator() -> BinaryOperator? {
        switch current.token {
        case .symbol(let s): BinaryOperator(rawValue: s).flatMap { [.and, .or].contains($0) ? nil : $0 }
        case .identifier("in"): .in
        default: nil
        }
    }

    private mutating func parseRelation() throws(ConditionError) -> ConditionNode {
        let left = try parseUnary()
        guard let op = relationOperator() else { return left }
        let position = current.position
        advance()
        let right = try parseUnary()
        if relationOperator() != nil {
            throw ConditionError(position: current.position, message: "comparisons do not chain; add parentheses or '&&'")
        }
        return ConditionNode(kind: .binary(op, left, right), position: position)
    }

    private mutating func parseUnary() throws(ConditionError) -> ConditionNode {
        let position = current.position
        if isSymbol("!") {
            advance()
            return ConditionNode(kind: .not(try parseUnary()), position: position)
        }
        if isSymbol("-") {
            advance()
            return ConditionNode(kind: .negate(try parseUnary()), position: position)
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(ConditionError) -> ConditionNode {
        var node = try parsePrimary()
        while true {
            let position = current.position
            if isSymbol(".") {
                advance()
                guard case .identifier(let name) = current.token else {
                    throw ConditionError(position: current.position, message: "expected a field or method name after '.'")
                }
                advance()
                if isSymbol("(") {
                    advance()
                    node = ConditionNode(kind: .call(target: node, name: name, arguments: try parseArguments(closing: ")")), position: position)
                } else {
                    node = ConditionNode(kind: .member(node, name), position: position)
                }
            } else if isSymbol("[") {
                advance()
                let key = try parseOr()
                try expect("]")
                node = ConditionNode(kind: .index(node, key), position: position)
            } else {
                return node
            }
        }
    }

    private mutating func parseArguments(closing: String) throws(ConditionError) -> [ConditionNode] {
        var arguments: [ConditionNode] = []
        if isSymbol(closing) { advance(); return arguments }
        while true {
            arguments.append(try parseOr())
            if isSymbol(",") { advance(); continue }
            try expect(closing)
            return arguments
        }
    }

    private mutating func parsePrimary() throws(ConditionError) -> ConditionNode {
        let located = current
        switch located.token {
        case .int(let i): advance(); return ConditionNode(kind: .literal(.int(i)), position: located.position)
        case .double(let d): advance(); return ConditionNode(kind: .literal(.double(d)), position: located.position)
        case .string(let s): advance(); return ConditionNode(kind: .literal(.string(s)), position: located.position)
        case .identifier("true"): advance(); return ConditionNode(kind: .literal(.bool(true)), position: located.position)
        case .identifier("false"): advance(); return ConditionNode(kind: .literal(.bool(false)), position: located.position)
        case .identifier("null"): advance(); return ConditionNode(kind: .literal(.null), position: located.position)
        case .identifier(let name):
            advance()
            if isSymbol("(") {
                advance()
                return ConditionNode(kind: .call(target: nil, name: name, arguments: try parseArguments(closing: ")")), position: located.position)
            }
            return ConditionNode(kind: .identifier(name), position: located.position)
        case .symbol("("):
            advance()
            let inner = try parseOr()
            try expect(")")
            return inner
        case .symbol("["):
            advance()
            return ConditionNode(kind: .list(try parseArguments(closing: "]")), position: located.position)
        default:
            throw ConditionError(position: located.position, message: "expected a value but found \(describe(located.token))")
        }
    }
}
