/// Finds where a statement ends when nothing marks its end.
///
/// SQL Server runs a batch of statements without `;` between them, so
/// `SELECT 1 DROP TABLE users` is two statements there, and a trigger,
/// rule or event body (`... BEGIN DELETE FROM t`, `... DO ALSO DELETE ...`)
/// is a statement inside another. A statement verb at parenthesis depth 0
/// therefore starts a new statement, unless the token before it makes it a
/// clause of the current one: `ON DELETE`, `FOR UPDATE`, `THEN DELETE`,
/// `GRANT INSERT`, `KEY UPDATE`, `DO UPDATE SET`, `ALTER TABLE t DROP COLUMN`,
/// a trigger's `AFTER DELETE` (see `SQLTriggerHeader`).
///
/// That test reads one word, and a word that is a keyword to one reading
/// can end a statement in another (`SET NOCOUNT ON DELETE FROM users`), so
/// each verb kept as a clause is also handed back as a statement that may
/// start there (see `SQLClauseVerbs`).
enum SQLStatementSplitter {
    /// Where the statement starting at a slice's `startIndex` ends (the next
    /// statement's first token, or `endIndex`), and the stretches inside it
    /// that start at a verb read as a clause but may be statements too.
    struct Split {
        var end: Int
        var clauseVerbStatements: [Range<Int>]
    }

    /// Verbs that start a statement which changes something. Read-only verbs
    /// (`SELECT`, `VALUES`) are left in place: splitting them off would add
    /// nothing to what the statement is known to do.
    private static let verbs: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "TRUNCATE", "CREATE", "ALTER", "GRANT", "REVOKE", "DENY",
        "EXEC", "EXECUTE", "CALL", "DECLARE", "SHUTDOWN", "KILL", "BACKUP", "RESTORE", "DBCC", "RECONFIGURE", "BULK",
    ]
    /// Words after which a verb is a clause, not a statement. `BEFORE` and
    /// `AFTER` make it one only as a trigger's timing (`SQLTriggerHeader`).
    private static let clauseIntroducers: Set<String> = [
        "ON", "FOR", "OR", "OF", "KEY", "THEN", "GRANT", "REVOKE", "DENY", "BULK",
    ]
    /// Objects an `ALTER` never drops or alters as one of its clauses.
    private static let wholeObjects: Set<String> = [
        "TABLE", "DATABASE", "SCHEMA", "OWNED", "USER", "ROLE", "LOGIN", "VIEW", "FUNCTION", "PROCEDURE", "TRIGGER",
    ]
    /// Verbs that can be the main statement after a `WITH` list.
    private static let mainVerbs: Set<String> = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "REPLACE"]
    /// Statements whose verbs before the first `ON`, `TO` or `FROM` are the
    /// privileges they give or take (`GRANT INSERT, DELETE ON t TO u`).
    private static let privilegeVerbs: Set<String> = ["GRANT", "REVOKE", "DENY"]

    /// The index where the statement starting at `tokens.startIndex` ends:
    /// the next statement's first token, or `endIndex`.
    static func end(of tokens: ArraySlice<SQLToken>) -> Int {
        split(tokens).end
    }

    /// `end(of:)`, and the verbs inside the statement it kept as clauses
    /// (outside a GRANT's privilege list) that may start statements too.
    static func split(_ tokens: ArraySlice<SQLToken>) -> Split {
        guard let first = tokens.first else { return Split(end: tokens.endIndex, clauseVerbStatements: []) }
        let statementVerb = first.kind == .word ? first.text : ""
        // After a WITH list, the first verb is the main statement, not a new one.
        var awaitingMain = statementVerb == "WITH"
        // A privilege list cannot end a statement: its verbs are never statements.
        var inPrivileges = privilegeVerbs.contains(statementVerb)
        var trigger = SQLTriggerHeader(statementVerb: statementVerb)
        var clauseVerbs: [Int] = []
        var depth = 0
        var i = tokens.startIndex + 1
        while i < tokens.endIndex {
            let t = tokens[i]
            if t.isSymbol("(") { depth += 1 } else if t.isSymbol(")") { depth -= 1 }
            if depth == 0, t.kind == .word {
                trigger.read(tokens, at: i)
                if inPrivileges, t.text == "ON" || t.text == "TO" || t.text == "FROM" { inPrivileges = false }
                if awaitingMain, mainVerbs.contains(t.text), tokens[i - 1].isSymbol(")") {
                    awaitingMain = false
                } else if verbs.contains(t.text) {
                    if startsStatement(at: i, in: tokens, statementVerb: statementVerb, triggerTiming: trigger.timing) {
                        return Split(end: i, clauseVerbStatements: clauseVerbStatements(clauseVerbs, in: tokens[..<i]))
                    }
                    if !inPrivileges { clauseVerbs.append(i) }
                }
            }
            i += 1
        }
        return Split(end: tokens.endIndex, clauseVerbStatements: clauseVerbStatements(clauseVerbs, in: tokens))
    }

    private static func startsStatement(at i: Int, in tokens: ArraySlice<SQLToken>, statementVerb: String, triggerTiming: Int?) -> Bool {
        let verb = tokens[i].text
        let previous = tokens[i - 1]
        let next = i + 1 < tokens.endIndex ? tokens[i + 1] : nil
        if previous.isSymbol("(") || previous.isSymbol(",") { return false }
        if previous.kind == .word {
            if clauseIntroducers.contains(previous.text) || i - 1 == triggerTiming { return false }
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
