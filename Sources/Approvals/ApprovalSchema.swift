import AirlockCore
import Foundation
import GRDB

/// The two tables behind the queue and how their rows become records.
///
/// `approval.request_json` holds the immutable request; the other columns are
/// the mutable state the conditional UPDATEs test and set. Reviews have their
/// own table keyed by (approval, person) so that a person can be counted once.
enum ApprovalSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-approvals") { db in
            try db.execute(sql: """
                CREATE TABLE approval (
                    id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    action_digest TEXT NOT NULL,
                    request_json TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    decided_at REAL,
                    decided_by TEXT,
                    decision_reason TEXT,
                    run_started_at REAL,
                    run_finished_at REAL,
                    run_note TEXT
                );
                CREATE INDEX approval_by_state ON approval(state, expires_at);
                CREATE TABLE approval_review (
                    approval_id TEXT NOT NULL REFERENCES approval(id),
                    person TEXT NOT NULL,
                    uid INTEGER NOT NULL,
                    verdict TEXT NOT NULL,
                    reason TEXT,
                    at REAL NOT NULL,
                    PRIMARY KEY (approval_id, person)
                );
                """)
        }
        return migrator
    }

    static func encodeRequest(_ request: ApprovalRequest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(request), as: UTF8.self)
    }

    static func decodeRequest(_ text: String) throws -> ApprovalRequest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(ApprovalRequest.self, from: Data(text.utf8))
    }

    static func fetch(_ db: Database, id: String) throws -> ApprovalRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM approval WHERE id = ?", arguments: [id]) else {
            return nil
        }
        return try record(from: row, db)
    }

    static func fetch(_ db: Database, where condition: String, arguments: StatementArguments,
                      limit: Int? = nil) throws -> [ApprovalRecord] {
        var sql = "SELECT * FROM approval WHERE \(condition) ORDER BY created_at, id"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try record(from: $0, db) }
    }

    static func reviews(_ db: Database, approvalID: String) throws -> [ApprovalReview] {
        try Row.fetchAll(db, sql: "SELECT * FROM approval_review WHERE approval_id = ? ORDER BY at, person",
                         arguments: [approvalID]).map { row in
            guard let verdict = ApprovalReview.Verdict(rawValue: row["verdict"]) else {
                throw AirlockError(.internalError, "approval \(approvalID) has a review with an unknown verdict")
            }
            return ApprovalReview(person: row["person"], uid: UInt32(row["uid"] as Int64), verdict: verdict,
                                  reason: row["reason"], at: Date(timeIntervalSince1970: row["at"]))
        }
    }

    private static func record(from row: Row, _ db: Database) throws -> ApprovalRecord {
        let id: String = row["id"]
        guard let state = ApprovalState(rawValue: row["state"]) else {
            throw AirlockError(.internalError, "approval \(id) has an unknown state \(String(describing: row["state"]))")
        }
        return ApprovalRecord(
            id: id,
            request: try decodeRequest(row["request_json"]),
            actionDigest: row["action_digest"],
            state: state,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            reviews: try reviews(db, approvalID: id),
            decidedAt: (row["decided_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            decidedBy: row["decided_by"],
            decisionReason: row["decision_reason"],
            runStartedAt: (row["run_started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            runFinishedAt: (row["run_finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            runNote: row["run_note"])
    }
}
