import AirlockCore
import Crypto
import Foundation
import Testing
@testable import Audit

/// Each test tampers with a closed store the way someone with write access
/// to the file could (the `sqlite3` tool, triggers dropped), then checks that
/// `verify` names the first sequence number that can no longer be trusted.
@Suite("Audit verify: tamper evidence")
struct AuditTamperTests {
    /// 30 events, checkpoints at 11, 22, 33 and a close checkpoint at 34.
    private let fixture = TamperableTrail()
    private var key: Curve25519.Signing.PrivateKey { fixture.key }

    @Test func untouchedTrailVerifies() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        _ = try await fixture.make(in: directory)
        let report = try fixture.verify(directory)
        #expect(report.ok)
        #expect(report.lastSeq == 34)
        #expect(report.checkpointsVerified == 4)
        #expect(report.closedCleanly)
    }

    @Test func appendOnlyGuardsRefuseUpdatesAndDeletes() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        try await store.close()
        #expect(throws: AirlockError.self) { try sqlite(directory.file("audit.sqlite"), "DELETE FROM audit_events") }
        #expect(throws: AirlockError.self) {
            try sqlite(directory.file("audit.sqlite"), "UPDATE audit_events SET event = '{}'")
        }
    }

    @Test func editedFieldIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'sql.query', 'sql.exec') WHERE seq = 7")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 7)
        #expect(report.problems.first?.kind == .editedRecord)
    }

    @Test func deletedRowIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "DELETE FROM audit_events WHERE seq = 15")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 15)
        #expect(report.problems.first?.kind == .missingRecords)
    }

    @Test func deletedRowWithRenumberingIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "DELETE FROM audit_events WHERE seq = 15; UPDATE audit_events SET seq = seq - 1 WHERE seq > 15;")
        #expect(try fixture.verify(directory).firstBadSeq == 15)
    }

    @Test func insertedRowIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        // Make room at 5 and insert a well-formed record chained to record 4.
        try sqlite(path, "UPDATE audit_events SET seq = -seq WHERE seq >= 5; UPDATE audit_events SET seq = 1 - seq WHERE seq < 0;")
        let prev = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = 4").trimmingCharacters(in: .whitespacesAndNewlines)
        let event = #"{"kind":"call.received","time":"2026-01-01T00:00:00.000000Z","tool":"sql.query"}"#
        let hash = ChainHash.hash(event: event, prevHash: prev, seq: 5)
        try sqlite(path, "INSERT INTO audit_events(seq, event, prev_hash, hash) VALUES (5, '\(event)', '\(prev)', '\(hash)')")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 5)
        #expect(report.problems.contains { $0.kind == .insertedRecord && $0.seq == 5 })
    }

    @Test func swappedRowsAreNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, """
            UPDATE audit_events SET seq = -1 WHERE seq = 8;
            UPDATE audit_events SET seq = 8 WHERE seq = 12;
            UPDATE audit_events SET seq = 12 WHERE seq = -1;
            """)
        #expect(try fixture.verify(directory).firstBadSeq == 8)
    }

    @Test func truncatedTailIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "DELETE FROM audit_events WHERE seq >= 25")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 25)
        #expect(report.problems.first?.kind == .truncated)
    }

    @Test func rowsAppendedOutsideTheStoreAreNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        let prev = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = 34").trimmingCharacters(in: .whitespacesAndNewlines)
        let event = #"{"kind":"daemon.stopped","time":"2026-01-01T00:00:00.000000Z"}"#
        try sqlite(path, "INSERT INTO audit_events(seq, event, prev_hash, hash) VALUES (35, '\(event)', '\(prev)', '\(ChainHash.hash(event: event, prevHash: prev, seq: 35))')")
        #expect(try fixture.verify(directory).firstBadSeq == 35)
    }

    /// Verify compares hash columns as raw bytes: the same digest spelled
    /// differently, cut short or emptied is still a change to the record.
    @Test(arguments: ["upper(hash)", "substr(hash, 1, 63)", "''", "hash || ' '"])
    func alteredHashTextIsNamed(_ replacement: String) async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET hash = \(replacement) WHERE seq = 9")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 9)
        #expect(report.problems.first?.kind == .editedRecord)
    }

    @Test func alteredPrevHashTextIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET prev_hash = upper(prev_hash) WHERE seq = 20")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 20)
        #expect(report.problems.contains { $0.kind == .brokenLink && $0.seq == 20 })
    }

    @Test func rewrittenChainIsCaughtByTheNextCheckpoint() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        // Edit record 14 and recompute every later hash, as a careful attacker would.
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-12', 'call-99') WHERE seq = 14")
        try rehashChain(path, from: 14)
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 12)  // the first record after the last intact checkpoint (11)
        #expect(report.problems.first?.kind == .checkpointMismatch)
    }

    @Test func forgedCheckpointIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        // Rewrite record 14, rehash, and re-sign every checkpoint with the
        // attacker's own key, registered in the database's key table.
        let forger = Curve25519.Signing.PrivateKey()
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-12', 'call-99') WHERE seq = 14")
        try rehashChain(path, from: 14, resigningWith: forger)
        try sqlite(path, "INSERT INTO audit_keys VALUES ('\(AuditKeys.keyID(forger.publicKey))', '\(AuditKeys.publicKeyPEM(forger.publicKey))', 'x')")

        let againstKeyFile = try fixture.verify(directory)
        #expect(againstKeyFile.firstBadSeq == 22)
        #expect(againstKeyFile.problems.first?.kind == .forgedCheckpoint)
        // Against the keys the database lists, the forgery is self-consistent:
        // only the daemon's exported key proves who wrote the trail.
        let selfAsserted = try AuditReader(path: path).verify()
        #expect(selfAsserted.ok)
        #expect(selfAsserted.keySource.contains("self-asserted"))
    }

    @Test func tamperedCheckpointSignatureIsNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, '\"seq\":10', '\"seq\":9') WHERE seq = 11")
        try rehashChain(path, from: 11)
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 11)
        #expect(report.problems.first?.kind == .forgedCheckpoint)
    }

    /// Verify hashes rows in batches on another thread; findings must not
    /// depend on where the batch edges fall.
    @Test(arguments: [1, 3, 7, 11])
    func findingsDoNotDependOnHashBatches(_ batchSize: Int) async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        func verify() throws -> VerificationReport {
            try AuditVerifier(database: try AuditReader(path: path).database, hashBatchSize: batchSize)
                .verify(trustedKeys: [key.publicKey])
        }
        let untouched = try verify()
        #expect(untouched.ok && untouched.recordsChecked == 34 && untouched.checkpointsVerified == 4)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-12', 'call-99') WHERE seq = 14")
        #expect(try verify().firstBadSeq == 14)
        try rehashChain(path, from: 14)
        let rewritten = try verify()
        #expect(rewritten.firstBadSeq == 12)
        #expect(rewritten.problems.first?.kind == .checkpointMismatch)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'sql.query', 'sql.exec') WHERE seq = 30")
        #expect(try verify().problems.contains { $0.kind == .editedRecord && $0.seq == 30 })
    }

    private func rehashChain(_ path: String, from: Int64, resigningWith forger: Curve25519.Signing.PrivateKey? = nil) throws {
        try ChainTampering.rehash(path, from: from, resigningWith: forger)
    }
}

/// The columns list, show and export filter on are generated from the
/// hashed event by definitions the database holds: rewritten, they hide a
/// call's outcome while every hash still holds.
@Suite("Audit verify: the store's own definitions")
struct AuditSchemaTamperTests {
    private let fixture = TamperableTrail(anchored: true)

    @Test func aRewrittenGeneratedColumnIsFound() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        #expect(try fixture.verify(directory).ok)
        try sqlite(path, """
            PRAGMA writable_schema=ON;
            UPDATE sqlite_master SET sql = replace(sql, 'AS (json_extract(event, ''$.call_id''))',
                'AS (CASE WHEN json_extract(event, ''$.kind'') = ''run.finished'' THEN NULL ELSE json_extract(event, ''$.call_id'') END)')
            WHERE name = 'audit_events';
            """)
        let report = try fixture.verify(directory)
        #expect(report.problems.contains { $0.kind == .schemaAltered && $0.message.contains("table audit_events") }, "\(report.problems)")
        #expect(!report.ok)
    }
}
