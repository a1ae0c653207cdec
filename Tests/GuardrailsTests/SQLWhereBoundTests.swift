import AirlockCore
import Testing
@testable import Guardrails

/// A WHERE clause bounds a DELETE or UPDATE only when it compares a column
/// with a literal, a parameter or a subquery; every other spelling is an
/// unbounded write, which the default policy holds for a DBA.
@Suite struct SQLWhereBoundTests {
    @Test(arguments: [
        "DELETE FROM users WHERE users.id = users.id",
        "DELETE FROM users WHERE id IS NOT NULL",
        "DELETE FROM users WHERE id IS NULL OR id IS NOT NULL",
        "DELETE FROM users WHERE 1 IN (1)",
        "DELETE FROM users WHERE -1",
        "DELETE FROM users WHERE (1)=(1)",
        "DELETE FROM users WHERE id <> 0",
        "DELETE FROM users WHERE NOT (id = 5)",
        "DELETE FROM users WHERE id NOT IN (1, 2)",
        "DELETE FROM users WHERE lower(name) = lower(name)",
        "DELETE FROM users WHERE id = id + 0",
        "DELETE FROM users WHERE active",
        "DELETE FROM users WHERE EXISTS (SELECT 1)",
        "DELETE FROM users WHERE id = 5 OR name = name",
        "DELETE FROM users WHERE name LIKE '%%'",
        "DELETE FROM users WHERE 'a' || 'b' = 'ab'",
        "UPDATE users SET admin = true WHERE coalesce(admin, admin) = admin",
        "UPDATE users SET admin = true WHERE now() > '2000-01-01'",
    ])
    func writesWithoutABoundingComparisonAreUnbounded(query: String) throws {
        let facts = sqlFacts(query)
        #expect(facts["unboundedWrite"] == true)
        let policy = try Policy.load(path: TestFiles.defaultPolicy)
        let binding = IntentBinding(extractor: .sql, argument: "query")
        let decision = policy.decide(request("run_sql", ["query": .string(query)], intent: [binding]))
        #expect(decision.effect == .review)
        #expect(decision.ruleIDs.first == "sql-review-unbounded-write")
    }

    @Test(arguments: [
        "DELETE FROM users WHERE id = 5",
        "DELETE FROM users WHERE 5 = id",
        "DELETE FROM users WHERE id = ?",
        "DELETE FROM users WHERE id = $1",
        "DELETE FROM users WHERE id = :id",
        "DELETE FROM users WHERE id = @id",
        "DELETE FROM users WHERE users.id IN (1, 2, 3)",
        "DELETE FROM users WHERE id IN (SELECT user_id FROM banned)",
        "DELETE FROM users WHERE id = (SELECT max(id) FROM users)",
        "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'",
        "DELETE FROM users WHERE lower(email) = 'a@example.com'",
        "DELETE FROM users WHERE name = N'Zoë'",
        "DELETE FROM users WHERE created_at::date = '2024-01-01'",
        "DELETE FROM users WHERE id BETWEEN 10 AND 20 AND deleted",
        "DELETE FROM users WHERE (id = 1 OR id = 2) AND name = name",
        "UPDATE users SET v = 1 WHERE name LIKE 'bob%'",
        "UPDATE users SET v = 1 WHERE id = CAST('7' AS integer)",
    ])
    func writesWithABoundingComparisonAreBounded(query: String) {
        #expect(sqlFacts(query)["unboundedWrite"] == false)
    }
}
