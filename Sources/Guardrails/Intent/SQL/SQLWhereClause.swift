/// Recognizes WHERE clauses that are true for every row, the usual way to
/// make an unbounded DELETE or UPDATE look bounded: `1=1`, `'a'='a'`,
/// `TRUE`, `id = id`, `x LIKE '%'`, `... OR 1=1`, `NOT FALSE`.
enum SQLWhereClause {
    static func isTriviallyTrue(_ tokens: ArraySlice<SQLToken>) -> Bool {
        let tokens = stripParentheses(tokens)
        guard !tokens.isEmpty else { return false }
        let disjuncts = split(tokens, on: "OR")
        if disjuncts.count > 1 { return disjuncts.contains { isTriviallyTrue($0) } }
        let conjuncts = split(tokens, on: "AND")
        if conjuncts.count > 1 { return conjuncts.allSatisfy { isTriviallyTrue($0) } }
        return isAtomTrue(tokens)
    }

    static func isTriviallyFalse(_ tokens: ArraySlice<SQLToken>) -> Bool {
        let tokens = stripParentheses(tokens)
        if tokens.count == 1, let only = tokens.first {
            return only.isWord("FALSE") || (only.kind == .number && Double(only.text) == 0)
        }
        if tokens.count == 3 {
            let a = tokens[tokens.startIndex], op = tokens[tokens.startIndex + 1], b = tokens[tokens.startIndex + 2]
            if let result = compareLiterals(a, op.text, b) { return !result }
        }
        return false
    }

    private static func isAtomTrue(_ t: ArraySlice<SQLToken>) -> Bool {
        let s = t.startIndex
        if t.first?.isWord("NOT") == true { return isTriviallyFalse(t.dropFirst()) }
        if t.count == 1 {
            return t[s].isWord("TRUE") || (t[s].kind == .number && (Double(t[s].text) ?? 0) != 0)
        }
        if t.count == 3 {
            let a = t[s], op = t[s + 1], b = t[s + 2]
            if op.isWord("LIKE") || op.isWord("ILIKE") { return b.kind == .string && !b.text.isEmpty && b.text.allSatisfy { $0 == "%" } }
            if let result = compareLiterals(a, op.text, b) { return result }
            let sameOperand = a == b && (a.kind == .word || a.kind == .quotedIdentifier)
            if sameOperand && ["=", "<=", ">="].contains(op.text) { return true }
        }
        if t.count == 4, isLiteral(t[s]), t[s + 1].isWord("IS"), t[s + 2].isWord("NOT"), t[s + 3].isWord("NULL") { return true }
        return false
    }

    private static func isLiteral(_ t: SQLToken) -> Bool { t.kind == .number || t.kind == .string }

    /// Evaluates `literal op literal`; nil when either side is not a literal.
    private static func compareLiterals(_ a: SQLToken, _ op: String, _ b: SQLToken) -> Bool? {
        guard isLiteral(a), isLiteral(b) else { return nil }
        let ordering: Int
        if let x = Double(a.text), let y = Double(b.text) {
            ordering = x < y ? -1 : (x == y ? 0 : 1)
        } else {
            ordering = a.text < b.text ? -1 : (a.text == b.text ? 0 : 1)
        }
        switch op {
        case "=", "==": return ordering == 0
        case "<>", "!=": return ordering != 0
        case "<": return ordering < 0
        case "<=": return ordering <= 0
        case ">": return ordering > 0
        case ">=": return ordering >= 0
        default: return nil
        }
    }

    static func stripParentheses(_ tokens: ArraySlice<SQLToken>) -> ArraySlice<SQLToken> {
        var t = tokens
        while t.count >= 2, t.first?.isSymbol("(") == true, t.last?.isSymbol(")") == true, closingIndex(t) == t.endIndex - 1 {
            t = t.dropFirst().dropLast()
        }
        return t
    }

    /// Index of the parenthesis closing the one at `tokens.startIndex`.
    private static func closingIndex(_ tokens: ArraySlice<SQLToken>) -> Int? {
        var depth = 0
        for i in tokens.indices {
            if tokens[i].isSymbol("(") { depth += 1 }
            if tokens[i].isSymbol(")") { depth -= 1; if depth == 0 { return i } }
        }
        return nil
    }

    /// Splits on a keyword at parenthesis depth 0; `BETWEEN a AND b` keeps its AND.
    private static func split(_ tokens: ArraySlice<SQLToken>, on keyword: String) -> [ArraySlice<SQLToken>] {
        var parts: [ArraySlice<SQLToken>] = []
        var depth = 0
        var start = tokens.startIndex
        var pendingBetween = false
        for i in tokens.indices {
            let t = tokens[i]
            if t.isSymbol("(") { depth += 1 } else if t.isSymbol(")") { depth -= 1 }
            guard depth == 0 else { continue }
            if t.isWord("BETWEEN") { pendingBetween = true; continue }
            if t.isWord(keyword) {
                if keyword == "AND" && pendingBetween { pendingBetween = false; continue }
                parts.append(tokens[start..<i])
                start = i + 1
            }
        }
        parts.append(tokens[start..<tokens.endIndex])
        return parts
    }
}
