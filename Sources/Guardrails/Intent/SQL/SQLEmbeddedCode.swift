/// SQL that a statement carries in strings, to run later or elsewhere: the
/// body of a stored function or procedure (`AS $$ DROP TABLE t $$`), and
/// the SQL handed to functions that run it on another connection
/// (`dblink_exec('dbname=app', 'DROP TABLE t')`). It is lexed and analyzed
/// like the statement around it, one nesting level deeper, so what it
/// would do shows in the facts; what cannot be read is unparsed.
///
/// Bodies written as tokens rather than strings (a trigger's `BEGIN ...`,
/// a rule's `DO ALSO ...`, an event's `DO ...`) are split off as statements
/// by `SQLStatementSplitter`.
extension SQLStatementAnalyzer {
    /// Objects whose CREATE or ALTER stores code that runs later.
    private static let storedCodeObjects: Set<String> = ["FUNCTION", "PROCEDURE", "PROC", "TRIGGER", "RULE", "EVENT"]

    /// Functions whose string arguments are SQL run on another connection.
    private static let sqlRunningFunctions: Set<String> = [
        "DBLINK", "DBLINK_EXEC", "DBLINK_SEND_QUERY", "DBLINK_OPEN", "QUERY_TO_XML", "QUERY_TO_XMLSCHEMA",
        "QUERY_TO_XML_AND_XMLSCHEMA", "OPENQUERY", "OPENROWSET",
    ]

    /// Functions that run an operating-system command on the database server.
    private static let commandRunningFunctions: Set<String> = ["SYS_EXEC", "SYS_EVAL", "XP_CMDSHELL"]

    /// The string body of a stored function or procedure: every string right
    /// after a top-level `AS` (`AS $$...$$`, `AS 'obj', 'symbol'`). A body in
    /// another language (plpgsql control flow, Python, C) reads as unknown
    /// statements, so it is unparsed rather than trusted.
    mutating func analyzeStoredCode(_ tokens: ArraySlice<SQLToken>, depth: Int) {
        let header = tokens.prefix { !$0.isSymbol("(") }
        guard let object = header.first(where: { $0.kind == .word && Self.storedCodeObjects.contains($0.text) }) else { return }
        var level = 0
        var i = tokens.startIndex
        while i < tokens.endIndex {
            let t = tokens[i]
            if t.isSymbol("(") { level += 1 } else if t.isSymbol(")") { level -= 1 }
            if level == 0, t.isWord("AS") {
                var k = i + 1
                while k < tokens.endIndex, tokens[k].kind == .string {
                    analyzeEmbedded(tokens[k].text, depth: depth, what: "the body of \(object.text.asciiLowercased()) code")
                    k += 1
                    if k < tokens.endIndex, tokens[k].isSymbol(",") { k += 1 }
                }
            }
            i += 1
        }
    }

    /// Calls in `tokens` of functions that run SQL from a string or an OS command.
    mutating func analyzeEmbeddedCalls(_ tokens: ArraySlice<SQLToken>, depth: Int) {
        var closing: [Int: Int]?
        for i in tokens.indices where tokens[i].kind == .word && i + 1 < tokens.endIndex && tokens[i + 1].isSymbol("(") {
            let name = tokens[i].text
            if Self.commandRunningFunctions.contains(name) {
                problem("\(name.asciiLowercased())() runs an operating-system command on the database server")
            }
            guard Self.sqlRunningFunctions.contains(name) else { continue }
            // Matched once for the statement, so nested calls do not rescan each other's arguments.
            if closing == nil { closing = Self.closingParentheses(tokens) }
            let arguments = Self.arguments(of: tokens, openingAt: i + 1, closing: closing!)
            // Connection strings and names read as unknown statements; the SQL is the argument that reads as SQL.
            var recognized = false
            for argument in arguments where argument.count == 1 && argument.first!.kind == .string {
                var inner = SQLStatementAnalyzer(budget: budget)
                let lexer = SQLLexer(argument.first!.text)
                for statement in lexer.statements { inner.analyze(statement[...], depth: depth + 1) }
                guard lexer.problems.isEmpty, !inner.statements.isEmpty, !inner.statements.contains(where: { $0.operation == "unknown" }) else { continue }
                merge(inner)
                recognized = true
            }
            if !recognized {
                problem("\(name.asciiLowercased())() runs SQL that is not a plain string literal here, so what it does is unknown")
            }
        }
    }

    /// Lexes and analyzes SQL found in a string, as part of this analysis.
    private mutating func analyzeEmbedded(_ text: String, depth: Int, what: String) {
        let lexer = SQLLexer(text)
        for message in lexer.problems { problem("in \(what): \(message)") }
        var inner = SQLStatementAnalyzer(budget: budget)
        for statement in lexer.statements { inner.analyze(statement[...], depth: depth + 1) }
        if inner.statements.contains(where: { $0.operation == "unknown" }) {
            problem("\(what) is not plain SQL (a procedural or foreign language), so what it does is unknown")
        }
        merge(inner)
    }

    /// The ")" of every "(" in `tokens`, in one pass (unclosed ones are absent).
    private static func closingParentheses(_ tokens: ArraySlice<SQLToken>) -> [Int: Int] {
        var closing: [Int: Int] = [:]
        var open: [Int] = []
        for k in tokens.indices {
            if tokens[k].isSymbol("(") { open.append(k) } else if tokens[k].isSymbol(")"), let o = open.popLast() { closing[o] = k }
        }
        return closing
    }

    /// The top-level, comma-separated arguments of the call whose "(" is at
    /// `open`, stepping over nested parentheses rather than into them.
    private static func arguments(of tokens: ArraySlice<SQLToken>, openingAt open: Int, closing: [Int: Int]) -> [ArraySlice<SQLToken>] {
        let close = closing[open] ?? tokens.endIndex
        var arguments: [ArraySlice<SQLToken>] = []
        var start = open + 1
        var k = open + 1
        while k < close {
            if tokens[k].isSymbol("(") {
                // An unclosed parenthesis runs to the end: the rest is one argument.
                guard let inner = closing[k] else { break }
                k = inner + 1
                continue
            }
            if tokens[k].isSymbol(",") {
                arguments.append(tokens[start..<k])
                start = k + 1
            }
            k += 1
        }
        arguments.append(tokens[start..<close])
        return arguments
    }
}
