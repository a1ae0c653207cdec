/// The SQL intent extractor: text in, `sql` facts out.
enum SQLExtractor {
    /// Statements whose effect is code the text does not show (DO blocks,
    /// EXECUTE of a string, stored procedures): never analyzable, so unparsed.
    static let dynamicOperations: Set<String> = ["do", "execute", "exec", "call", "prepare", "copy program"]

    /// `withStatements: false` leaves `sql.statements` empty, for policies
    /// that never read it (building one record per statement is most of the
    /// cost of a large script).
    static func facts(_ text: String, withStatements: Bool = true, budget: WorkBudget = WorkBudget()) -> (facts: Value, problems: [String]) {
        let lexer = SQLLexer(text)
        var analyzer = SQLStatementAnalyzer(budget: budget)
        for tokens in lexer.statements {
            analyzer.analyze(tokens[...])
        }
        var statements = analyzer.statements
        var problems = lexer.problems + analyzer.problems
        if lexer.sawDollarQuote {
            let other = otherDialectsReading(text, budget: budget)
            statements += other.statements
            for problem in other.problems where !problems.contains(problem) { problems.append(problem) }
        }
        if statements.contains(where: { $0.operation == "unknown" }) { problems.append("unrecognized SQL statement") }
        if statements.contains(where: { dynamicOperations.contains($0.operation) }) {
            problems.append("dynamic SQL or a procedure call: what it runs is not in the text")
        }
        var operations: [String] = [], tables: [String] = []
        var seenOperations: Set<String> = [], seenTables: Set<String> = []
        for s in statements {
            if seenOperations.insert(s.operation).inserted { operations.append(s.operation) }
            for t in s.tables where seenTables.insert(t).inserted { tables.append(t) }
        }
        let unparsed = !problems.isEmpty
        let facts = FactSchema.sql.record([
            "present": .bool(true),
            "statements": .list(withStatements ? statements.map(\.value) : []),
            "statementCount": .int(Int64(statements.count)),
            "operations": Value.strings(operations),
            "tables": Value.strings(tables),
            "readOnly": .bool(!unparsed && statements.allSatisfy(\.readOnly)),
            "ddl": .bool(statements.contains(where: \.isDDL)),
            "drops": .bool(statements.contains(where: \.isDrop)),
            "truncates": .bool(statements.contains { $0.operation == "truncate" }),
            "unboundedWrite": .bool(statements.contains(where: \.isUnboundedWrite)),
            "privilegeChange": .bool(statements.contains(where: \.isPrivilegeChange)),
            "unparsed": .bool(unparsed),
        ])
        return (facts, problems.map { "sql: \($0)" })
    }

    /// What MySQL and SQLite would run, where `$tag$` is a name rather than a
    /// quote: `SELECT 1 AS $a$; DROP TABLE t; SELECT 1 AS $a$` is one
    /// statement to PostgreSQL and three to them. The statements that change
    /// something are added to PostgreSQL's reading, so a policy sees what
    /// either would do. Statements that start with a `$` name are syntax
    /// errors in every dialect (the tail of a PostgreSQL string), and neither
    /// dialect runs a batch without `;`, so those are not split.
    private static func otherDialectsReading(_ text: String, budget: WorkBudget) -> (statements: [SQLStatementFacts], problems: [String]) {
        let lexer = SQLLexer(text, dollarQuotes: false)
        var analyzer = SQLStatementAnalyzer(budget: budget, splitsBatches: false)
        for tokens in lexer.statements where !(tokens.first?.kind == .word && tokens.first!.text.hasPrefix("$")) {
            analyzer.analyze(tokens[...])
        }
        return (analyzer.statements.filter { !$0.readOnly }, analyzer.problems)
    }

    /// The facts when no SQL was extracted, so conditions never see a missing field.
    static let absent = FactSchema.sql.record([
        "present": .bool(false), "statements": .list([]), "statementCount": .int(0), "operations": .list([]),
        "tables": .list([]), "readOnly": .bool(false), "ddl": .bool(false), "drops": .bool(false),
        "truncates": .bool(false), "unboundedWrite": .bool(false), "privilegeChange": .bool(false), "unparsed": .bool(false),
    ])
}
