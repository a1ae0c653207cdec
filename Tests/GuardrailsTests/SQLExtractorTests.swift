import AirlockCore
import Testing
@testable import Guardrails

@Suite struct SQLExtractorTests {
    @Test func statementsAreSplitOutsideQuotesAndComments() {
        let f = sqlFacts("SELECT 'a;b' FROM t; -- ; DROP\n/* ; */ SELECT $x$;$x$ FROM u; SELECT \"c;d\" FROM v")
        #expect(f["statementCount"] == 3)
        #expect(f["operations"] == ["select"])
        #expect(f["tables"] == ["t", "u", "v"])
        #expect(f["readOnly"] == true)
        #expect(f["unparsed"] == false)
    }

    @Test func deleteAndUpdateBoundsAreRecognized() {
        #expect(sqlFacts("DELETE FROM a WHERE id = 3")["unboundedWrite"] == false)
        #expect(sqlFacts("DELETE FROM a")["unboundedWrite"] == true)
        #expect(sqlFacts("UPDATE a SET x = 1 WHERE (id = 1 OR 1=1)")["unboundedWrite"] == true)
        #expect(sqlFacts("UPDATE a SET x = 1 WHERE id BETWEEN 1 AND 2")["unboundedWrite"] == false)
        let statement = sqlFacts("DELETE FROM app.users WHERE 'x' = 'x'")["statements"]?.arrayValue?.first
        #expect(statement?["tables"] == ["app.users"])
        #expect(statement?["hasWhere"] == true)
        #expect(statement?["trivialWhere"] == true)
    }

    @Test func ddlAndPrivilegesAreClassified() {
        let drop = sqlFacts("DROP SCHEMA IF EXISTS billing CASCADE")
        #expect(drop["drops"] == true)
        #expect(drop["ddl"] == true)
        #expect(drop["statements"]?.arrayValue?.first?["objectType"] == "schema")
        #expect(sqlFacts("DROP INDEX i")["drops"] == false)
        #expect(sqlFacts("TRUNCATE t")["truncates"] == true)
        #expect(sqlFacts("ALTER TABLE t DROP COLUMN c")["drops"] == false)
        #expect(sqlFacts("GRANT SELECT ON t TO u")["privilegeChange"] == true)
        #expect(sqlFacts("CREATE ROLE r")["privilegeChange"] == true)
    }

    @Test func mysqlExecutableCommentsAreCode() {
        #expect(sqlFacts("SELECT 1 /*!40000 , 2 */; /*!DROP TABLE t*/")["drops"] == true)
        #expect(sqlFacts("SELECT 1 /* DROP TABLE t */")["drops"] == false)
    }

    @Test func selectsThatWriteAreNotReadOnly() {
        #expect(sqlFacts("SELECT * INTO backup FROM users")["readOnly"] == false)
        #expect(sqlFacts("SELECT pg_read_file('/etc/passwd')")["readOnly"] == false)
        #expect(sqlFacts("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")["readOnly"] == false)
        // The main statement is listed first, then the bodies; an unfinished WITH is unknown after its bodies.
        let with = sqlFacts("WITH d AS (DELETE FROM t RETURNING *), e AS (UPDATE u SET x = 1 WHERE id = 2) SELECT * FROM d; WITH f AS (INSERT INTO v VALUES (1)), g AS")
        #expect(with["statements"]?.arrayValue?.map { $0["operation"] } == ["select", "delete", "update", "insert", "unknown"])
        #expect(sqlFacts("EXPLAIN ANALYZE UPDATE t SET x = 1")["unboundedWrite"] == true)
    }

    @Test(arguments: ["SELECT 'open", "SELECT 1 /* open", "SELECT $a$ open", "SELECT 'a\\' OR 1=1 --'", "ZAP t", "DO $$ BEGIN END $$"])
    func unparseableSQLIsReportedNeverReadOnly(text: String) {
        let extracted = SQLExtractor.facts(text)
        #expect(extracted.facts.json["unparsed"] == true)
        #expect(extracted.facts.json["readOnly"] == false)
        #expect(!extracted.problems.isEmpty)
    }
}
