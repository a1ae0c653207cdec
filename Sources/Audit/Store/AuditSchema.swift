import GRDB

/// The store's tables. `audit_events` holds only what is hashed (`event`,
/// the canonical masked content) and the chain (`seq`, `prev_hash`,
/// `hash`); the columns queries filter on are *generated* from `event`, so
/// there is no second copy an attacker could edit without breaking a hash.
/// Triggers refuse UPDATE and DELETE: they stop accidents and honest tools,
/// while the hash chain and signed checkpoints catch everyone else.
enum AuditSchema {
    static let version = "1"

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS audit_meta (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS audit_keys (
                key_id TEXT PRIMARY KEY NOT NULL,
                public_key TEXT NOT NULL,
                added_at TEXT NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS audit_events (
                seq INTEGER PRIMARY KEY,
                event TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                time TEXT GENERATED ALWAYS AS (json_extract(event, '$.time')) VIRTUAL,
                kind TEXT GENERATED ALWAYS AS (json_extract(event, '$.kind')) VIRTUAL,
                call_id TEXT GENERATED ALWAYS AS (json_extract(event, '$.call_id')) VIRTUAL,
                tool TEXT GENERATED ALWAYS AS (json_extract(event, '$.tool')) VIRTUAL,
                actor TEXT GENERATED ALWAYS AS (json_extract(event, '$.actor.name')) VIRTUAL,
                effect TEXT GENERATED ALWAYS AS (json_extract(event, '$.fields.decision.effect')) VIRTUAL,
                approval_id TEXT GENERATED ALWAYS AS (json_extract(event, '$.fields.approval.id')) VIRTUAL
            );
            CREATE INDEX IF NOT EXISTS audit_events_call_id ON audit_events(call_id) WHERE call_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events(time);
            CREATE TRIGGER IF NOT EXISTS audit_events_append_only_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS audit_events_append_only_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
            """)
    }
}

/// Rows of `audit_meta` the store and the verifier agree on.
enum MetaKey {
    static let format = "format"
    static let storeID = "store_id"
    /// The last committed `seq` and `hash`, updated in the same transaction
    /// as the events: a tail cut off the events table no longer matches it.
    static let headSeq = "head_seq"
    static let headHash = "head_hash"
    static let lastCheckpointSeq = "last_checkpoint_seq"
    /// `AuditKeys.keyID` of the key that signs this trail's checkpoints.
    static let signingKeyID = "signing_key_id"
}

extension Database {
    func metaValue(_ key: String) throws -> String? {
        try String.fetchOne(self, sql: "SELECT value FROM audit_meta WHERE key = ?", arguments: [key])
    }

    func setMeta(_ key: String, _ value: String) throws {
        try execute(sql: "INSERT INTO audit_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, value])
    }
}
