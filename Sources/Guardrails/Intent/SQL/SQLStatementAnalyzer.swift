/// Reads one statement's tokens and says what it would do. It does not
/// build a full grammar: it finds the verb, the objects it touches and the
/// clauses that bound it, which is what policy needs, and reports any verb
/// it does not know as `unknown` rather than guessing it is harmless.
///
/// A statement's tokens may hold several statements: a SQL Server batch
/// needs no `;` (`SELECT 1 DROP TABLE t`), and trigger, rule and event
/// bodies sit inside their CREATE (see `SQLStatementSplitter`); stored-code
/// bodies and SQL handed to `dblink_exec` sit in strings (see
/// `SQLEmbeddedCode`). Each is analyzed as a statement of its own, and so
/// is each verb kept as a clause whose word before it may instead end a
/// statement (see `SQLClauseVerbs`).
///
/// Statements nest (`WITH` bodies, `EXPLAIN ANALYZE` targets, bodies); each
/// level counts against `IntentLimits.maximumNesting`, and every pass over a
/// token range spends from the decision's `WorkBudget`. Past either bound
/// the statement is reported in `problems` instead of being followed.
struct SQLStatementAnalyzer {
    /// What the statements would do: usually one entry per statement,
    /// several for a WITH whose bodies write.
    private(set) var statements: [SQLStatementFacts] = []
    private(set) var problems: [String] = []
    let budget: WorkBudget
    /// Whether a statement verb inside a statement starts a new one (SQL
    /// Server batches). Off for the MySQL/SQLite reading of dollar quotes,
    /// where only `;` ends a statement.
    let splitsBatches: Bool

    init(budget: WorkBudget, splitsBatches: Bool = true) {
        self.budget = budget
        self.splitsBatches = splitsBatches
    }

    private static let readOnlyVerbs: Set<String> = [
        "SELECT", "SHOW", "DESCRIBE", "DESC", "VALUES", "TABLE",
        "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
    ]
    private static let writingVerbs: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE",
        "GRANT", "REVOKE", "RENAME", "COMMENT", "COPY", "CALL", "EXEC", "EXECUTE", "DO", "VACUUM", "ANALYZE",
        "REINDEX", "CLUSTER", "LOCK", "SET", "RESET", "USE", "LOAD", "HANDLER", "ATTACH", "DETACH", "INSTALL",
        "KILL", "SHUTDOWN", "PREPARE", "DEALLOCATE", "LISTEN", "NOTIFY", "UNLISTEN", "REFRESH", "IMPORT",
        "OPTIMIZE", "REPAIR", "FLUSH", "PURGE", "SECURITY", "DISCARD", "CHECKPOINT", "REASSIGN", "DENY",
    ]
    /// Functions that act outside the query (files, sessions, sequences,
    /// other servers): a SELECT calling them is not read-only.
    private static let sideEffectFunctions: Set<String> = [
        "PG_TERMINATE_BACKEND", "PG_CANCEL_BACKEND", "PG_READ_FILE", "PG_READ_BINARY_FILE", "PG_LS_DIR",
        "LO_IMPORT", "LO_EXPORT", "SETVAL", "NEXTVAL", "DBLINK", "DBLINK_EXEC", "PG_RELOAD_CONF", "SET_CONFIG",
        "LOAD_FILE", "LOAD_EXTENSION", "WRITEFILE", "XP_CMDSHELL", "SYS_EXEC", "PG_FILE_WRITE",
    ]
    /// Words that may follow BEGIN, START or END in transaction control.
    private static let transactionWords: Set<String> = [
        "TRANSACTION", "WORK", "TRAN", "ISOLATION", "READ", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", "DEFERRABLE", "NOT", "DISTRIBUTED",
    ]
    /// Words that end a table reference list.
    private static let clauseWords: Set<String> = [
        "WHERE", "SET", "USING", "ON", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "FULL", "NATURAL",
        "GROUP", "ORDER", "LIMIT", "HAVING", "RETURNING", "VALUES", "SELECT", "UNION", "WINDOW", "AS", "CASCADE",
        "RESTRICT", "OFFSET", "FETCH", "FOR", "DEFAULT", "WITH", "OUTPUT", "INTO", "FROM",
    ]

    mutating func problem(_ message: String) {
        if !problems.contains(message) { problems.append(message) }
    }

    /// Takes in what a nested analysis (of SQL held in a string) found.
    /// `writesOnly` keeps only the statements that change something, for a
    /// second reading of text this analysis has read already.
    mutating func merge(_ other: SQLStatementAnalyzer, writesOnly: Bool = false) {
        statements += writesOnly ? other.statements.filter { !$0.readOnly } : other.statements
        for message in other.problems { problem(message) }
    }

    /// Appends what `statement` would do to `statements` (nothing for an
    /// empty statement). `depth` is how deep inside other statements it sits.
    /// The statements a batch runs one after another are taken in a loop, not
    /// by recursion: a script may hold thousands of them.
    mutating func analyze(_ statement: ArraySlice<SQLToken>, depth: Int = 0) {
        guard depth <= IntentLimits.maximumNesting else {
            problem("SQL \(IntentLimits.nestingProblem)")
            statements.append(SQLStatementFacts(operation: "unknown"))
            return
        }
        guard budget.spend(statement.count) else {
            problem(WorkBudget.exhaustedProblem)
            return
        }
        var rest = statement
        while true {
            while rest.first?.isSymbol("(") == true { rest = rest.dropFirst() }
            guard let first = rest.first else { return }
            guard first.kind == .word else { statements.append(SQLStatementFacts(operation: "unknown")); return }
            if first.text == "EXPLAIN" {
                let (target, executes) = Self.explainTarget(rest)
                if executes {
                    // EXPLAIN ANALYZE runs its statement.
                    analyze(target, depth: depth + 1)
                    return
                }
                statements.append(SQLStatementFacts(operation: "explain", readOnly: true))
                rest = target[end(of: target)...]
                continue
            }
            let split = split(rest)
            let piece = rest[..<split.end]
            if first.text == "WITH" {
                analyzeWith(piece.dropFirst(), depth: depth)
            } else {
                statements.append(analyzeSimple(piece, depth: depth))
                if first.text == "CREATE" || first.text == "ALTER" { analyzeStoredCode(piece, depth: depth) }
            }
            analyzeEmbeddedCalls(piece, depth: depth)
            analyzeClauseVerbs(split.clauseVerbStatements, in: piece, depth: depth)
            rest = rest[split.end...]
        }
    }

    private func end(of tokens: ArraySlice<SQLToken>) -> Int {
        split(tokens).end
    }

    private func split(_ tokens: ArraySlice<SQLToken>) -> SQLStatementSplitter.Split {
        splitsBatches ? SQLStatementSplitter.split(tokens) : SQLStatementSplitter.Split(end: tokens.endIndex, clauseVerbStatements: [])
    }

    private static let explainOptions: Set<String> = ["VERBOSE", "QUERY", "PLAN", "EXTENDED", "PARTITIONS"]

    /// The statement an EXPLAIN describes, and whether it runs it:
    /// `EXPLAIN (option, ...) stmt` (PostgreSQL), `EXPLAIN ANALYZE VERBOSE stmt`,
    /// `EXPLAIN FORMAT=JSON ANALYZE stmt` (MySQL), `EXPLAIN QUERY PLAN stmt`
    /// (SQLite). ANALYZE anywhere in the options runs the statement, however
    /// long the list before it.
    private static func explainTarget(_ tokens: ArraySlice<SQLToken>) -> (target: ArraySlice<SQLToken>, executes: Bool) {
        var i = tokens.startIndex + 1
        var executes = false
        func isAnalyze(_ t: SQLToken) -> Bool { t.isWord("ANALYZE") || t.isWord("ANALYSE") }
        if i < tokens.endIndex, tokens[i].isSymbol("(") {
            let close = matching(tokens, i)
            executes = tokens[i..<min(close, tokens.endIndex)].contains(where: isAnalyze)
            i = close + 1
        }
        while i < tokens.endIndex {
            let t = tokens[i]
            if t.isWord("FORMAT") {
                // FORMAT JSON, FORMAT=TREE: skip the format's name too.
                i += 1
                if i < tokens.endIndex, tokens[i].isSymbol("=") { i += 1 }
            } else if isAnalyze(t) {
                executes = true
            } else if !(t.kind == .word && explainOptions.contains(t.text)) {
                break
            }
            i += 1
        }
        return (tokens[min(i, tokens.endIndex)...], executes)
    }

    /// `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (body), ... main`:
    /// each body is a statement of its own (PostgreSQL runs data-modifying
    /// CTEs even when the main statement is a SELECT). The main statement
    /// comes first in `statements`, then the bodies.
    private mutating func analyzeWith(_ tokens: ArraySlice<SQLToken>, depth: Int) {
        let mainIndex = statements.count
        var i = tokens.startIndex
        if i < tokens.endIndex, tokens[i].isWord("RECURSIVE") { i += 1 }
        while i < tokens.endIndex {
            // Skip to the next top-level "(" after AS: that is the body.
            while i < tokens.endIndex, !tokens[i].isWord("AS") {
                if tokens[i].isSymbol("(") { i = Self.matching(tokens, i) }
                i += 1
            }
            while i < tokens.endIndex, !tokens[i].isSymbol("(") { i += 1 }
            guard i < tokens.endIndex else {
                statements.append(SQLStatementFacts(operation: "unknown"))
                return
            }
            let close = Self.matching(tokens, i)
            analyze(tokens[(i + 1)..<min(close, tokens.endIndex)], depth: depth + 1)
            i = close + 1
            if i < tokens.endIndex, tokens[i].isSymbol(",") { i += 1; continue }
            break
        }
        // The main statement goes before its bodies, as written.
        let bodies = statements[mainIndex...]
        statements.removeSubrange(mainIndex...)
        analyze(tokens[min(i, tokens.endIndex)...], depth: depth + 1)
        if statements.count == mainIndex { statements.append(SQLStatementFacts(operation: "unknown")) }
        statements += bodies
    }

    /// Index of the ")" matching the "(" at `open` (or endIndex when unbalanced).
    static func matching(_ tokens: ArraySlice<SQLToken>, _ open: Int) -> Int {
        var depth = 0
        var i = open
        while i < tokens.endIndex {
            if tokens[i].isSymbol("(") { depth += 1 } else if tokens[i].isSymbol(")") { depth -= 1; if depth == 0 { return i } }
            i += 1
        }
        return tokens.endIndex
    }

    private mutating func analyzeSimple(_ tokens: ArraySlice<SQLToken>, depth: Int) -> SQLStatementFacts {
        let verb = tokens.first!.text
        var facts = SQLStatementFacts(operation: verb.asciiLowercased())
        let s = tokens.startIndex
        switch verb {
        case "SELECT", "VALUES", "TABLE":
            facts.tables = Self.tablesAfter(["FROM", "JOIN"], in: tokens) + (verb == "TABLE" ? Self.tableList(tokens.dropFirst()) : [])
            facts.readOnly = !Self.writesFromSelect(tokens)
        case "BEGIN", "START", "END":
            // `BEGIN`, `START TRANSACTION`, `END`: transaction control. `BEGIN IF ...`,
            // `END IF`: a procedural block, whose statements are not all visible.
            if let next = tokens.dropFirst().first, !(next.kind == .word && Self.transactionWords.contains(next.text)) {
                facts.operation = "unknown"
            } else {
                facts.readOnly = true
            }
        case "SHOW", "DESCRIBE", "DESC", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE":
            facts.readOnly = true
        case "PRAGMA":
            facts.readOnly = !tokens.contains { $0.isSymbol("=") || $0.isSymbol("(") }
        case "DELETE":
            facts.tables = Self.tablesAfter(["FROM", "DELETE"], in: tokens.prefix(while: { !$0.isWord("WHERE") }))
            facts.rewritesRows = true
            markWhere(tokens, depth: depth, into: &facts)
        case "UPDATE":
            facts.tables = Self.tableList(tokens.dropFirst().drop { $0.isWord("ONLY") || $0.isWord("LOW_PRIORITY") || $0.isWord("IGNORE") })
            facts.rewritesRows = true
            markWhere(tokens, depth: depth, into: &facts)
        case "INSERT", "REPLACE", "UPSERT", "MERGE":
            facts.tables = Self.tablesAfter(["INTO"], in: tokens) + Self.tablesAfter(["FROM", "JOIN", "USING"], in: tokens)
            if verb == "MERGE" { markMergeBound(tokens, depth: depth, into: &facts) }
        case "TRUNCATE":
            facts.objectType = "table"
            facts.tables = Self.tableList(tokens.dropFirst().drop { $0.isWord("TABLE") || $0.isWord("ONLY") })
        case "CREATE", "DROP", "ALTER":
            var i = s + 1
            let modifiers: Set<String> = ["OR", "REPLACE", "TEMPORARY", "TEMP", "GLOBAL", "LOCAL", "UNLOGGED", "MATERIALIZED",
                                          "UNIQUE", "CONCURRENTLY", "IF", "EXISTS", "NOT", "DEFINER", "ALGORITHM", "SQL", "SECURITY",
                                          "FOREIGN", "VIRTUAL", "EXTERNAL", "CONSTRAINT", "AGGREGATE"]
            // DROP ... CASCADE also drops whatever depends on the object (tables included).
            facts.cascades = verb == "DROP" && tokens.contains { $0.isWord("CASCADE") }
            while i < tokens.endIndex, tokens[i].kind == .word, modifiers.contains(tokens[i].text) { i += 1 }
            if i < tokens.endIndex {
                facts.objectType = tokens[i].text.asciiLowercased()
                if ["TABLE", "VIEW", "INDEX", "SCHEMA", "DATABASE", "SEQUENCE"].contains(tokens[i].text) {
                    facts.tables = Self.tableList(tokens[(i + 1)...].drop { $0.kind == .word && ["IF", "EXISTS", "NOT", "ONLY", "CONCURRENTLY"].contains($0.text) })
                }
            }
        case "GRANT", "REVOKE":
            if let on = tokens.firstIndex(where: { $0.isWord("ON") }) {
                var rest = tokens[(on + 1)...]
                if let kind = rest.first, ["TABLE", "SCHEMA", "DATABASE", "ALL", "FUNCTION", "SEQUENCE"].contains(kind.text) {
                    facts.objectType = kind.text.asciiLowercased()
                    rest = rest.dropFirst()
                } else {
                    facts.objectType = "table"
                }
                facts.tables = Self.tableList(rest)
            } else {
                facts.objectType = "role"
            }
        case "COPY" where tokens.contains { $0.isWord("PROGRAM") }:
            // COPY ... TO/FROM PROGRAM runs a shell command on the database server.
            facts.operation = "copy program"
        default:
            if !Self.readOnlyVerbs.contains(verb) && !Self.writingVerbs.contains(verb) { facts.operation = "unknown" }
        }
        return facts
    }

    /// SELECT ... INTO table, INTO OUTFILE, a nested write, or side-effecting functions.
    private static func writesFromSelect(_ tokens: ArraySlice<SQLToken>) -> Bool {
        for i in tokens.indices {
            let t = tokens[i]
            guard t.kind == .word else { continue }
            switch t.text {
            case "INTO", "OUTFILE", "DUMPFILE", "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "TRUNCATE": return true
            default: break
            }
            if i + 1 < tokens.endIndex, tokens[i + 1].isSymbol("("), sideEffectFunctions.contains(t.text) { return true }
        }
        return false
    }

    /// A MERGE that updates or deletes matched rows rewrites the rows its ON
    /// clause matches: bounded when ON compares a column with a value or
    /// joins the target to a different expression (`ON t.id = s.id`), not
    /// when it is always true (`ON true`, `ON 1=1`, `ON t.id = t.id`).
    private mutating func markMergeBound(_ tokens: ArraySlice<SQLToken>, depth: Int, into facts: inout SQLStatementFacts) {
        var level = 0
        var on: Int?
        var whens: Int?
        for i in tokens.indices {
            let t = tokens[i]
            if t.isSymbol("(") { level += 1 } else if t.isSymbol(")") { level -= 1 }
            guard level == 0, t.kind == .word else { continue }
            if t.text == "ON", on == nil { on = i }
            if t.text == "WHEN", whens == nil { whens = i }
            if t.text == "THEN", i + 1 < tokens.endIndex, tokens[i + 1].isWord("DELETE") || tokens[i + 1].isWord("UPDATE") { facts.rewritesRows = true }
        }
        guard facts.rewritesRows, let on else { return }
        facts.hasWhere = true
        var clause = SQLWhereClause(tokens[(on + 1)..<max(on + 1, whens ?? tokens.endIndex)], budget: budget)
        facts.trivialWhere = !clause.boundsJoin(depth: depth + 1)
        if let trouble = clause.problem { problem(trouble) }
    }

    /// Finds the top-level WHERE of a DELETE/UPDATE and whether it bounds anything.
    private mutating func markWhere(_ tokens: ArraySlice<SQLToken>, depth: Int, into facts: inout SQLStatementFacts) {
        var level = 0
        for i in tokens.indices {
            let t = tokens[i]
            if t.isSymbol("(") { level += 1 } else if t.isSymbol(")") { level -= 1 }
            guard level == 0, t.isWord("WHERE") else { continue }
            facts.hasWhere = true
            var end = i + 1
            var d = 0
            while end < tokens.endIndex {
                let u = tokens[end]
                if u.isSymbol("(") { d += 1 } else if u.isSymbol(")") { d -= 1 }
                if d == 0, u.kind == .word, u.text == "RETURNING" || u.text == "ORDER" || u.text == "LIMIT" || u.text == "OUTPUT" { break }
                end += 1
            }
            var clause = SQLWhereClause(tokens[(i + 1)..<end], budget: budget)
            facts.trivialWhere = !clause.bounds(depth: depth + 1)
            if let trouble = clause.problem { problem(trouble) }
            return
        }
    }

    /// Table names following any of `keywords` (at any depth, so subqueries count).
    /// A keyword inside the run of `FROM`/`ONLY`/`LATERAL` that an earlier one
    /// skipped names the same list, so it is not read again: `FROM FROM FROM ...`
    /// stays one pass instead of one per keyword.
    private static func tablesAfter(_ keywords: [String], in tokens: ArraySlice<SQLToken>) -> [String] {
        var tables: [String] = []
        var seen: Set<String> = []
        var skippedUntil = tokens.startIndex
        for i in tokens.indices where i >= skippedUntil && tokens[i].kind == .word && keywords.contains(tokens[i].text) {
            var start = i + 1
            while start < tokens.endIndex, tokens[start].isWord("ONLY") || tokens[start].isWord("FROM") || tokens[start].isWord("LATERAL") { start += 1 }
            skippedUntil = start
            for table in tableList(tokens[start...], single: tokens[i].text == "JOIN" || tokens[i].text == "INTO") where seen.insert(table).inserted {
                tables.append(table)
            }
        }
        return tables
    }

    /// `a.b, c [AS] x, ...` → ["a.b", "c"]; stops at the first clause keyword.
    private static func tableList(_ tokens: ArraySlice<SQLToken>, single: Bool = false) -> [String] {
        var tables: [String] = []
        var name = ""
        var expectingName = true
        var i = tokens.startIndex
        func flush() { if !name.isEmpty { tables.append(name); name = "" } }
        while i < tokens.endIndex {
            let t = tokens[i]
            if t.isSymbol(".") { name += "."; expectingName = true; i += 1; continue }
            if t.isSymbol(",") {
                flush()
                if single { break }
                expectingName = true
                i += 1
                continue
            }
            let isName = t.kind == .quotedIdentifier || (t.kind == .word && !clauseWords.contains(t.text))
            if isName && expectingName {
                name += t.kind == .word ? t.text.asciiLowercased() : t.text
                expectingName = false
            } else if isName {
                // An alias: skip it.
            } else {
                break
            }
            i += 1
        }
        flush()
        return tables
    }
}
