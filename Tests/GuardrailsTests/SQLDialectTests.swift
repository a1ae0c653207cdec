import AirlockCore
import Testing
@testable import Guardrails

/// SQL whose meaning differs between dialects, SQL Server batches without
/// `;`, and SQL that runs later or elsewhere (stored code, EXPLAIN ANALYZE,
/// dblink). Each must be denied or held for review by the default policy,
/// never allowed; the plain forms next to them stay allowed.
@Suite struct SQLDialectTests {
    static let binding = IntentBinding(extractor: .sql, argument: "query")

    static func decide(_ query: String) throws -> Decision {
        let policy = try Policy.load(path: TestFiles.defaultPolicy)
        return policy.decide(request("run_sql", ["query": .string(query)], intent: [binding]))
    }

    @Test(arguments: [
        // (query, effect, a rule that must be among the decision's)
        // Dialects disagree on what is a comment or a quote.
        ("/* /* */ DROP TABLE users; -- */", Decision.Effect.deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 # x; DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("SELECT #x; DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 --1; DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("/*M! DROP TABLE users */", .deny, "sql-forbid-drop-truncate"),
        ("SELECT 1; /*M!100000 DROP TABLE users */", .deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 AS $a$; DROP TABLE users; SELECT 1 AS $a$", .deny, "sql-forbid-drop-truncate"),
        ("SELECT $$; DELETE FROM users; $$", .review, "sql-review-unbounded-write"),
        ("SELECT 1 /* nested /* */ */", .review, "any-review-unparsed"),
        // SQL Server runs statements that no ';' separates.
        ("SELECT 1 DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 TRUNCATE TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("DELETE FROM users WHERE id = 1 DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("UPDATE t SET a = 1 WHERE id = 2 UPDATE users SET admin = 1", .review, "sql-review-unbounded-write"),
        ("BEGIN TRAN DELETE FROM users COMMIT", .review, "sql-review-unbounded-write"),
        ("IF EXISTS (SELECT 1) DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("GRANT SELECT ON t TO u DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("ALTER TABLE t ADD c int DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 DECLARE @s nvarchar(99)", .review, "any-review-unparsed"),
        ("DENY SELECT ON t TO u", .review, "sql-review-privileges"),
        // Code that runs later: stored-code bodies.
        ("CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE users $$ LANGUAGE sql", .deny, "sql-forbid-drop-truncate"),
        ("CREATE OR REPLACE FUNCTION f() RETURNS void AS 'DELETE FROM users' LANGUAGE sql", .review, "sql-review-unbounded-write"),
        ("CREATE FUNCTION f() RETURNS void AS $$ BEGIN IF true THEN DELETE FROM audit; END IF; END $$ LANGUAGE plpgsql", .review, "any-review-unparsed"),
        ("CREATE FUNCTION f() RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE c", .review, "any-review-unparsed"),
        ("CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM users; END", .review, "sql-review-unbounded-write"),
        ("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION purge()", .review, "any-review-unparsed"),
        ("CREATE RULE r AS ON INSERT TO x DO ALSO DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("CREATE RULE r AS ON INSERT TO x DO INSTEAD DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("CREATE DEFINER = 'root'@'%' PROCEDURE p() BEGIN DROP TABLE users; END", .deny, "sql-forbid-drop-truncate"),
        ("CREATE PROCEDURE p AS TRUNCATE TABLE users", .deny, "sql-forbid-drop-truncate"),
        // EXPLAIN ANALYZE runs its statement, wherever ANALYZE sits in the options.
        ("EXPLAIN (FORMAT JSON, VERBOSE, COSTS, BUFFERS, ANALYZE) DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("EXPLAIN (COSTS, VERBOSE, BUFFERS, TIMING, SUMMARY, SETTINGS, WAL, FORMAT JSON, ANALYZE true) DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("EXPLAIN FORMAT=TREE ANALYZE DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("EXPLAIN ANALYZE VERBOSE DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("EXPLAIN SELECT 1 DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        // SQL run on another connection, and OS commands.
        ("SELECT dblink_exec('dbname=app', 'DROP TABLE users')", .deny, "sql-forbid-drop-truncate"),
        ("SELECT dblink_exec('DELETE FROM users')", .review, "sql-review-unbounded-write"),
        ("SELECT * FROM dblink('dbname=app', 'SELECT 1; DROP TABLE users') AS t(a int)", .deny, "sql-forbid-drop-truncate"),
        ("SELECT dblink_exec('dbname=app', 'DR' || 'OP TABLE users')", .review, "any-review-unparsed"),
        ("SELECT sys_exec('rm -rf /var/lib/mysql')", .review, "any-review-unparsed"),
        // Drops that take more than the named object with them.
        ("DROP OWNED BY app CASCADE", .deny, "sql-forbid-drop-truncate"),
        ("DROP OWNED BY app", .deny, "sql-forbid-drop-truncate"),
        ("DROP VIEW v CASCADE", .deny, "sql-forbid-drop-truncate"),
        ("DROP FOREIGN TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("DROP VIRTUAL TABLE users", .deny, "sql-forbid-drop-truncate"),
        // MERGE rewriting every row.
        ("MERGE INTO users u USING x ON true WHEN MATCHED THEN DELETE", .review, "sql-review-unbounded-write"),
        ("MERGE INTO users u USING x ON u.id = u.id WHEN MATCHED THEN UPDATE SET admin = true", .review, "sql-review-unbounded-write"),
        ("MERGE INTO users u USING x ON 1 = 1 WHEN MATCHED AND u.a = 1 THEN DELETE", .review, "sql-review-unbounded-write"),
    ])
    func dialectTricksAndDeferredCodeAreNeverAllowed(query: String, effect: Decision.Effect, rule: String) throws {
        let decision = try Self.decide(query)
        #expect(decision.effect == effect, "\(decision.ruleIDs) \(decision.reasons)")
        #expect(decision.ruleIDs.contains(rule), "\(decision.ruleIDs)")
    }

    /// SQL Server reserves neither BEFORE nor AFTER: outside a trigger's
    /// header they are a column alias, and the verb after them starts the
    /// next statement of the batch.
    @Test(arguments: [
        ("SELECT 1 after DROP TABLE users", Decision.Effect.deny, "sql-forbid-drop-truncate"),
        ("SELECT 1 AS before DELETE FROM users", .review, "sql-review-unbounded-write"),
        ("SELECT 1 after EXEC('DROP TABLE users')", .review, "any-review-unparsed"),
        ("CREATE TRIGGER tr ON x FOR INSERT AS SELECT 1 after DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("CREATE TRIGGER tr AFTER INSERT ON x BEGIN SELECT 1 AS before DELETE FROM users; END", .review, "sql-review-unbounded-write"),
    ])
    func beforeAndAfterOutsideATriggerHeaderAreNames(query: String, effect: Decision.Effect, rule: String) throws {
        let decision = try Self.decide(query)
        #expect(decision.effect == effect, "\(decision.ruleIDs) \(decision.reasons)")
        #expect(decision.ruleIDs.contains(rule), "\(decision.ruleIDs)")
    }

    /// The verbs each statement of `text`'s first `;`-separated part starts with.
    static func statementVerbs(_ text: String) -> [String] {
        var rest = SQLLexer(text).statements[0][...]
        var verbs: [String] = []
        while let first = rest.first {
            verbs.append(first.text)
            rest = rest[SQLStatementSplitter.end(of: rest)...]
        }
        return verbs
    }

    @Test func beforeAndAfterMakeAClauseOnlyAsATriggersTiming() {
        #expect(Self.statementVerbs("SELECT 1 after DROP TABLE users") == ["SELECT", "DROP"])
        #expect(Self.statementVerbs("SELECT a AS before DELETE FROM users") == ["SELECT", "DELETE"])
        #expect(Self.statementVerbs("CREATE TRIGGER t ON x AFTER INSERT AS SELECT 1 after DROP TABLE users") == ["CREATE", "DROP"])
        #expect(Self.statementVerbs("ALTER TABLE x DISABLE TRIGGER t SELECT 1 after DELETE FROM users") == ["ALTER", "DELETE"])
        // The timing word itself, after any trigger prefix, still keeps its event in the header.
        #expect(Self.statementVerbs("CREATE TRIGGER t AFTER DELETE ON x FOR EACH ROW INSERT INTO log VALUES (1)") == ["CREATE", "INSERT"])
        #expect(Self.statementVerbs("CREATE OR ALTER TRIGGER t ON x AFTER DELETE AS INSERT INTO log VALUES (1)") == ["CREATE", "INSERT"])
        #expect(Self.statementVerbs("CREATE DEFINER = root@localhost TRIGGER t BEFORE UPDATE ON x FOR EACH ROW SET NEW.a = 1") == ["CREATE"])
    }

    /// A verb kept as a clause because of the word before it is also read
    /// as a statement: that word may end one instead (`SET NOCOUNT ON`,
    /// an ALTER whose next object the splitter does not list).
    @Test(arguments: [
        ("SET NOCOUNT ON DELETE FROM users", Decision.Effect.review, "sql-review-unbounded-write"),
        ("SET XACT_ABORT ON TRUNCATE TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("ALTER DATABASE app SET RECURSIVE_TRIGGERS ON DROP TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("ALTER TABLE t ADD c int DROP EXTERNAL TABLE users", .deny, "sql-forbid-drop-truncate"),
        ("SET IDENTITY_INSERT t ON UPDATE users SET admin = 1", .review, "sql-review-unbounded-write"),
        ("SET ANSI_NULLS ON EXEC('DROP TABLE users')", .review, "any-review-unparsed"),
    ])
    func verbsKeptAsClausesAreAlsoReadAsStatements(query: String, effect: Decision.Effect, rule: String) throws {
        let decision = try Self.decide(query)
        #expect(decision.effect == effect, "\(decision.ruleIDs) \(decision.reasons)")
        #expect(decision.ruleIDs.contains(rule), "\(decision.ruleIDs)")
    }

    @Test(arguments: [
        "SELECT 1 -- a comment",
        "SELECT 1 /* a comment */",
        "SELECT $$DROP TABLE x$$",
        "SELECT $tag$ DELETE FROM users; $tag$ AS body",
        "ALTER TABLE t DROP COLUMN c",
        "ALTER TABLE t ADD c int, DROP COLUMN d, ALTER COLUMN e SET DEFAULT 1",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) ON DELETE CASCADE ON UPDATE CASCADE",
        "INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        "INSERT INTO kv (k, v) VALUES ('a', 1) ON DUPLICATE KEY UPDATE v = 2",
        "SELECT * FROM jobs WHERE id = 1 FOR UPDATE",
        "SELECT * FROM jobs WHERE id = 1 FOR NO KEY UPDATE SKIP LOCKED",
        "MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.v = s.v WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
        "WITH x AS (SELECT 1) DELETE FROM t WHERE id = 1",
        "EXPLAIN DELETE FROM users",
        "EXPLAIN (FORMAT JSON, VERBOSE) DELETE FROM users",
        "DROP INDEX idx_users_email",
        "CREATE FUNCTION add(a int, b int) RETURNS int AS 'SELECT a + b' LANGUAGE sql IMMUTABLE",
        "CREATE VIEW active_users AS SELECT * FROM users WHERE active",
        // Verbs that only a clause has there, however the word before them reads.
        "CREATE TRIGGER log_delete AFTER DELETE ON users FOR EACH ROW INSERT INTO log VALUES (1)",
        "CREATE TRIGGER log_change ON users AFTER INSERT, UPDATE, DELETE AS INSERT INTO log VALUES (1)",
        "CREATE TRIGGER log_update BEFORE UPDATE OF email OR DELETE ON users FOR EACH ROW INSERT INTO log VALUES (1)",
        "CREATE DEFINER = root@localhost TRIGGER stamp BEFORE UPDATE ON users FOR EACH ROW SET NEW.a = 1",
        "CREATE POLICY own_rows ON docs FOR DELETE USING (owner = current_user)",
        "INSERT INTO kv (k, v) VALUES ('a', 1) ON DUPLICATE KEY UPDATE v = VALUES(v)",
        "ALTER TABLE t ALTER COLUMN c DROP DEFAULT",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) ON DELETE NO ACTION ON UPDATE SET NULL",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT DEFAULT VALUES",
    ])
    func plainFormsStayAllowed(query: String) throws {
        let decision = try Self.decide(query)
        #expect(decision.effect == .allow, "\(decision.ruleIDs) \(decision.reasons)")
    }
}
