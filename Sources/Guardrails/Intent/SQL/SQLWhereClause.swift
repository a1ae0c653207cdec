/// Decides whether a WHERE clause (or a MERGE's ON clause) bounds the rows a
/// write touches.
///
/// The test is inverted on purpose: a clause bounds the write only when it
/// compares a column with a value fixed before the statement runs (a
/// literal, a parameter or a subquery), in every branch of an OR and in at
/// least one operand of an AND. Everything else counts as unbounded —
/// `id = id`, `users.id = users.id`, `1 IN (1)`, `-1`, `(1)=(1)`,
/// `x IS NOT NULL`, `x <> 5`, `NOT ...` — because a list of always-true forms
/// only waits for the next spelling.
///
/// Parentheses are matched once, in one pass, so peeling `((((…))))` costs
/// nothing per level; nesting of AND/OR groups counts against
/// `IntentLimits.maximumNesting`, and every range examined spends from the
/// decision's `WorkBudget`. Past either, the clause is unbounded and
/// `problem` says why.
struct SQLWhereClause {
    private let tokens: ArraySlice<SQLToken>
    /// For each "(" (by offset from `tokens.startIndex`), the index of its ")"; -1 elsewhere or when unclosed.
    private let closing: [Int]
    private let budget: WorkBudget
    /// Why the clause could not be read to the end, if it could not.
    private(set) var problem: String?

    init(_ tokens: ArraySlice<SQLToken>, budget: WorkBudget) {
        self.tokens = tokens
        self.budget = budget
        var closing = Array(repeating: -1, count: tokens.count)
        var open: [Int] = []
        for i in tokens.indices {
            if tokens[i].isSymbol("(") { open.append(i) } else if tokens[i].isSymbol(")"), let o = open.popLast() { closing[o - tokens.startIndex] = i }
        }
        self.closing = closing
    }

    /// Whether the clause bounds the rows of a DELETE or UPDATE.
    mutating func bounds(depth: Int) -> Bool {
        bounded(tokens.startIndex..<tokens.endIndex, depth: depth, join: false)
    }

    /// Whether a MERGE's ON clause bounds the target rows it matches: as
    /// `bounds`, and a comparison of two different column expressions (the
    /// target joined to its source) also bounds.
    mutating func boundsJoin(depth: Int) -> Bool {
        bounded(tokens.startIndex..<tokens.endIndex, depth: depth, join: true)
    }

    private func close(of open: Int) -> Int? {
        let c = closing[open - tokens.startIndex]
        return c < 0 ? nil : c
    }

    /// `range` without the parentheses that enclose all of it.
    private func stripped(_ range: Range<Int>) -> Range<Int> {
        var r = range
        while r.count >= 2, tokens[r.lowerBound].isSymbol("("), close(of: r.lowerBound) == r.upperBound - 1 {
            r = (r.lowerBound + 1)..<(r.upperBound - 1)
        }
        return r
    }

    private mutating func bounded(_ range: Range<Int>, depth: Int, join: Bool) -> Bool {
        let r = stripped(range)
        guard !r.isEmpty else { return false }
        guard depth <= IntentLimits.maximumNesting else {
            problem = "WHERE clause \(IntentLimits.nestingProblem)"
            return false
        }
        guard budget.spend(r.count) else {
            problem = WorkBudget.exhaustedProblem
            return false
        }
        let disjuncts = split(r, on: "OR")
        if disjuncts.count > 1 {
            for part in disjuncts where !bounded(part, depth: depth + 1, join: join) { return false }
            return true
        }
        let conjuncts = split(r, on: "AND")
        if conjuncts.count > 1 {
            for part in conjuncts where bounded(part, depth: depth + 1, join: join) { return true }
            return false
        }
        return comparisonBounds(r, join: join)
    }

    /// Splits on a keyword at parenthesis depth 0; `BETWEEN a AND b` keeps its AND.
    private func split(_ r: Range<Int>, on keyword: String) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = r.lowerBound
        var pendingBetween = false
        var i = r.lowerBound
        while i < r.upperBound {
            let t = tokens[i]
            if t.isSymbol("(") {
                guard let c = close(of: i), c < r.upperBound else { break }
                i = c + 1
                continue
            }
            if t.isWord("BETWEEN") { pendingBetween = true } else if t.isWord(keyword) {
                if keyword == "AND" && pendingBetween { pendingBetween = false } else {
                    parts.append(start..<i)
                    start = i + 1
                }
            }
            i += 1
        }
        parts.append(start..<r.upperBound)
        return parts
    }

    /// Operators that select the rows matching a fixed value.
    private static let selectingSymbols: Set<String> = ["=", "==", "<", ">", "<=", ">="]
    private static let selectingWords: Set<String> = ["LIKE", "ILIKE", "GLOB", "IN", "BETWEEN"]
    /// Operators that do not: a negation, an inequality or a null test keeps nearly every row.
    private static let nonSelectingOperators: Set<String> = ["NOT", "IS", "<>", "!=", "REGEXP", "RLIKE", "SIMILAR", "EXISTS"]

    /// `column op fixed` or `fixed op column`, with a selecting operator.
    private func comparisonBounds(_ r: Range<Int>, join: Bool) -> Bool {
        guard let op = operatorIndex(r) else { return false }
        let o = tokens[op]
        guard (o.kind == .symbol && Self.selectingSymbols.contains(o.text)) || (o.kind == .word && Self.selectingWords.contains(o.text)) else { return false }
        let left = r.lowerBound..<op, right = (op + 1)..<r.upperBound
        guard !left.isEmpty, !right.isEmpty else { return false }
        if o.isWord("LIKE") || o.isWord("ILIKE") || o.isWord("GLOB") {
            // A pattern of wildcards only ('%', '%%', '*') matches every row.
            let pattern = stripped(right)
            if pattern.count == 1, tokens[pattern.lowerBound].kind == .string, tokens[pattern.lowerBound].text.allSatisfy({ "%_*".contains($0) }) { return false }
        }
        if o.isWord("IN"), !(tokens[right.lowerBound].isSymbol("(") && close(of: right.lowerBound) == right.upperBound - 1) { return false }
        let leftColumn = hasColumn(left), rightColumn = hasColumn(right)
        if leftColumn != rightColumn { return true }
        guard join, leftColumn, rightColumn else { return false }
        // A join bounds the target by its source unless both sides are the same expression.
        return !tokens[left].elementsEqual(tokens[right])
    }

    /// The first comparison operator at parenthesis depth 0.
    private func operatorIndex(_ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        while i < r.upperBound {
            let t = tokens[i]
            if t.isSymbol("(") {
                guard let c = close(of: i), c < r.upperBound else { return nil }
                i = c + 1
                continue
            }
            if t.kind == .symbol, Self.selectingSymbols.contains(t.text) || Self.nonSelectingOperators.contains(t.text) { return i }
            if t.kind == .word, Self.selectingWords.contains(t.text) || Self.nonSelectingOperators.contains(t.text) { return i }
            i += 1
        }
        return nil
    }

    /// Words that are values or syntax, never a column.
    private static let valueWords: Set<String> = [
        "TRUE", "FALSE", "NULL", "UNKNOWN", "DEFAULT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP",
        "CURRENT_USER", "SESSION_USER", "INTERVAL", "DATE", "TIME", "TIMESTAMP", "YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND",
        "CASE", "WHEN", "THEN", "ELSE", "END", "AS", "AND", "OR", "NOT",
    ]

    /// Whether `r` reads a column of the rows: a name that is not a
    /// function, a type or a parameter, outside any subquery (a subquery is
    /// evaluated once, so it is a fixed value like a literal).
    private func hasColumn(_ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i < r.upperBound {
            let t = tokens[i]
            let previous = i > tokens.startIndex ? tokens[i - 1] : nil
            switch t.kind {
            case .symbol where t.text == "(":
                let first = i + 1 < r.upperBound ? tokens[i + 1] : nil
                if let first, first.isWord("SELECT") || first.isWord("WITH") || first.isWord("VALUES"), let c = close(of: i) {
                    i = c + 1
                    continue
                }
            case .quotedIdentifier:
                return true
            case .word:
                let isFunction = i + 1 < r.upperBound && tokens[i + 1].isSymbol("(")
                let isParameter = t.text.hasPrefix("$") || previous.map { $0.isSymbol(":") || $0.isSymbol("@") || $0.isSymbol("%") } ?? false
                // `x::text`, `CAST(x AS int)`: a type name.
                let isType = previous.map { $0.isSymbol("::") || $0.isWord("AS") } ?? false
                // N'...', E'...', X'...': a prefix of the string literal that follows.
                let isStringPrefix = t.text.utf8.count == 1 && i + 1 < r.upperBound && tokens[i + 1].kind == .string
                if !isFunction && !isParameter && !isType && !isStringPrefix && !Self.valueWords.contains(t.text) { return true }
            default:
                break
            }
            i += 1
        }
        return false
    }
}
