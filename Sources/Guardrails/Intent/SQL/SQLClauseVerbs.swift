/// The second reading of verbs that `SQLStatementSplitter` kept inside a
/// statement as clauses. Its test looks at the one word before the verb,
/// and such a word can end a statement instead of introducing a clause:
/// SQL Server runs `SET NOCOUNT ON DELETE FROM users` as a SET and then a
/// DELETE, and `ALTER TABLE t ADD c int DROP EXTERNAL TABLE users` as an
/// ALTER and then a DROP. So, as with the two readings of a dollar quote
/// (see `SQLExtractor`), each such verb at depth 0 is also read as the
/// start of a statement that runs to the next one, and what that reading
/// changes is added to the facts.
///
/// Only where the word after the verb is one a statement's target could
/// be: a verb followed by what only a clause has there (`ON DELETE
/// CASCADE`, `DO UPDATE SET`, `THEN DELETE WHEN`, `FOR UPDATE` at the end,
/// a trigger's `AFTER DELETE ON t`) is a clause in every dialect, and
/// reading it as a DELETE or UPDATE of every row would hold plain SQL for
/// review.
extension SQLStatementSplitter {
    /// Words that, right after a verb, show it is an action named in a
    /// clause: a referential action (`ON DELETE SET NULL`, `NO ACTION`), an
    /// event list (`AFTER INSERT OR UPDATE OF c ON t`, `FOR DELETE AS`), a
    /// MERGE action (`THEN INSERT DEFAULT VALUES`), a row lock (`FOR UPDATE
    /// SKIP LOCKED`), a policy (`FOR DELETE USING (...)`, `WITH CHECK`), a
    /// temporary table's `ON COMMIT DELETE ROWS`, `DROP COLUMN`.
    private static let clauseContinuations: Set<String> = [
        "ON", "TO", "OF", "OR", "AS", "SET", "WHEN", "USING", "WITH", "CASCADE", "RESTRICT", "NO", "ROWS",
        "NOWAIT", "SKIP", "VALUES", "DEFAULT", "COLUMN", "CONSTRAINT",
    ]
    /// Verbs that are a whole statement with nothing, or only options, after them.
    private static let standaloneVerbs: Set<String> = ["SHUTDOWN", "RECONFIGURE"]

    /// The stretches from each of `starts` (verbs kept as clauses) to the
    /// next one or the end of `statement` that read as statements.
    static func clauseVerbStatements(_ starts: [Int], in statement: ArraySlice<SQLToken>) -> [Range<Int>] {
        var stretches: [Range<Int>] = []
        for (k, start) in starts.enumerated() {
            let stretch = start..<(k + 1 < starts.count ? starts[k + 1] : statement.endIndex)
            if readsAsStatement(statement[stretch]) { stretches.append(stretch) }
        }
        return stretches
    }

    /// Whether `tokens`, which start with a verb, can be that verb's statement.
    private static func readsAsStatement(_ tokens: ArraySlice<SQLToken>) -> Bool {
        let verb = tokens.first!.text
        if standaloneVerbs.contains(verb) { return true }
        // `FOR UPDATE`, `THEN DELETE`: nothing for the verb to act on.
        guard let next = tokens.dropFirst().first else { return false }
        if next.kind == .word, clauseContinuations.contains(next.text) { return false }
        // `THEN INSERT (id) VALUES ...`, `AFTER INSERT, UPDATE`; but `EXEC ('DROP TABLE t')` runs a string.
        if next.isSymbol("(") || next.isSymbol(",") { return verb == "EXEC" || verb == "EXECUTE" }
        // `ON DUPLICATE KEY UPDATE v = 2`, `FOR UPDATE NOWAIT`: an UPDATE statement has a SET.
        if verb == "UPDATE" { return tokens.contains { $0.isWord("SET") } }
        return true
    }
}

extension SQLStatementAnalyzer {
    /// Reads each stretch of `statement` that `SQLStatementSplitter` found
    /// may be a statement of its own, and adds what it would change.
    mutating func analyzeClauseVerbs(_ stretches: [Range<Int>], in statement: ArraySlice<SQLToken>, depth: Int) {
        guard !stretches.isEmpty else { return }
        var other = SQLStatementAnalyzer(budget: budget)
        for stretch in stretches { other.analyze(statement[stretch], depth: depth) }
        merge(other, writesOnly: true)
    }
}
