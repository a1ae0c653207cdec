/// Finds where a statement ends when nothing marks its end.
///
/// SQL Server runs a batch of statements without `;` between them, so
/// `SELECT 1 DROP TABLE users` is two statements there, and a trigger,
/// rule or event body (`... BEGIN DELETE FROM t`, `... DO ALSO DELETE ...`)
/// is a statement inside another. A statement verb at parenthesis depth 0
/// therefore starts a new statement, unless the token before it makes it a
/// clause of the current one: `ON DELETE`, `FOR UPDATE`, `THEN DELETE`,
/// `GRANT INSERT`, `KEY UPDATE`, `DO UPDATE SET`, `ALTER TABLE t DROP COLUMN`.
enum SQLStatementSplitter {
    /// Verbs that start a statement which changes something. Read-only verbs
    /// (`SELECT`, `VALUES`) are left in place: splitting them off would add
    /// nothing to what the statement is known to do.
    private static let verbs: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "TRUNCATE", "CREATE", "ALTER", "GRANT", "REVOKE", "DENY",
        "EXEC", "EXECUTE", "CALL", "DECLARE", "SHUTDOWN", "KILL", "BACKUP", "RESTORE", "DBCC", "RECONFIGURE", "BULK",
    ]
    /// Words after which a verb is a clause, not a statement.
    private static let clauseIntroducers: Set<String> = [
        "ON", "FOR", "OR", "OF", "BEFORE", "AFTER", "KEY", "THEN", "GRANT", "REVOKE", "DENY", "BULK",
    ]
    /// Objects an `ALTER` never drops or alters as one of its clauses.
    private static let wholeObjects: Set<String> = [
        "TABLE", "DATABASE", "SCHEMA", "OWNED", "USER", "ROLE", "LOGIN", "VIEW", "FUNCTION", "PROCEDURE", "TRIGGER",
    ]
    /// Verbs that can be the main statement after a `WITH` list.
    private static let mainVerbs: Set<String> = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "REPLACE"]

    /// The index where the statement starting at `tokens.startIndex` ends:
    /// the next statement's first token, or `endIndex`.
    static func end(of tokens: ArraySlice<SQLToken>) -> Int {
        guard let first = tokens.first else { return tokens.endIndex }
        let statementVerb = first.kind == .word ? first.text : ""
        // After a WITH list, the first verb is the main statement, not a new one.
        var awaitingMain = statementVerb == "WITH"
        var depth = 0
        var i = tokens.startIndex + 1
        while i < tokens.endIndex {
            let t = tokens[i]
            if t.isSymbol("(") { depth += 1 } else if t.isSymbol(")") { depth -= 1 }
            if depth == 0, t.kind == .word {
                if awaitingMain, mainVerbs.contains(t.text), tokens[i - 1].isSymbol(")") {
                    awaitingMain = false
                } else if verbs.contains(t.text), startsStatement(at: i, in: tokens, statementVerb: statementVerb) {
                    return i
                }
            }
            i += 1
        }
        return tokens.endIndex
    }

    private static func startsStatement(at i: Int, in tokens: ArraySlice<SQLToken>, statementVerb: String) -> Bool {
        let verb = tokens[i].text
        let previous = tokens[i - 1]
        let next = i + 1 < tokens.endIndex ? tokens[i + 1] : nil
        if previous.isSymbol("(") || previous.isSymbol(",") { return false }
        if previous.kind == .word {
            if clauseIntroducers.contains(previous.text) { return false }
            // `INSERT ... ON CONFLICT (k) DO UPDATE SET`; a rule's or event's `DO UPDATE t SET` is a statement.
            if previous.text == "DO", verb == "UPDATE", next?.isWord("SET") == true { return false }
        }
        if statementVerb == "ALTER", verb == "DROP" || verb == "ALTER" {
            // `ALTER TABLE t DROP COLUMN c`, `ALTER TABLE t ALTER COLUMN c ...`
            return next.map { $0.kind == .word && wholeObjects.contains($0.text) } ?? false
        }
        return true
    }
}
