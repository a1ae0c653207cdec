import AirlockCore
import Crypto
import Foundation
import GRDB

/// What the committer does with one queued request.
enum CommitRequest: Sendable {
    /// Seal and insert this canonical (already masked) event text.
    case event(String)
    /// Sign and insert a checkpoint over the current head.
    case checkpoint(AuditCheckpoint.Reason)
}

/// Where a request landed in the chain. `nil` for a checkpoint asked of a
/// store without a signing key.
struct SealedPosition: Sendable {
    var seq: Int64
    var eventText: String
    var prevHash: String
    var hash: String
}

/// What one committed batch produced: each request's position, and the
/// checkpoints it signed (to be published outside the database once the
/// transaction is durable).
struct CommittedBatch {
    var positions: [SealedPosition?]
    var checkpoints: [AuditCheckpoint]
}

/// Writes one batch of requests as one transaction: read the head, chain
/// each event onto it, add an interval checkpoint as soon as one is due,
/// move the head, commit. Checking after every event (not once per batch)
/// is what lets the checkpoint sign `every_events` as a hard bound: no run
/// of records between two checkpoints is ever longer, so a longer one in a
/// trail means checkpoints were removed. Reading the head inside the
/// (immediate) transaction keeps the chain linear even if a second process
/// ever writes the same file. Only the committer thread calls it.
struct ChainWriter: Sendable {
    let pool: DatabasePool
    let storeID: String
    /// Raw Ed25519 seed; kept as bytes because the key type is not `Sendable`.
    let signingKey: Data?
    let checkpointEvery: Int

    func commit(_ requests: [CommitRequest]) throws -> CommittedBatch {
        try pool.writeWithoutTransaction { db in
            var batch = CommittedBatch(positions: [], checkpoints: [])
            batch.positions.reserveCapacity(requests.count)
            try db.inTransaction(.immediate) {
                batch.positions.removeAll(keepingCapacity: true)
                batch.checkpoints.removeAll()
                var head = try Head(db)
                let insert = try db.cachedStatement(sql: "INSERT INTO audit_events(seq, event, prev_hash, hash) VALUES (?, ?, ?, ?)")
                for request in requests {
                    switch request {
                    case .event(let text):
                        batch.positions.append(try head.append(text, with: insert))
                        if checkpointEvery > 0, head.seq - head.lastCheckpointSeq >= Int64(checkpointEvery) {
                            _ = try appendCheckpoint(.interval, head: &head, insert: insert, into: &batch)
                        }
                    case .checkpoint(let reason):
                        batch.positions.append(try appendCheckpoint(reason, head: &head, insert: insert, into: &batch))
                    }
                }
                try head.save(db)
                return .commit
            }
            return batch
        }
    }

    private func appendCheckpoint(_ reason: AuditCheckpoint.Reason, head: inout Head, insert: Statement,
                                  into batch: inout CommittedBatch) throws -> SealedPosition? {
        // Start and close checkpoints are written even with nothing new to
        // cover: they record that the writer started (and from then on keeps
        // its signed interval) and that it shut down cleanly.
        guard let signingKey, reason == .start || reason == .close || head.seq > head.lastCheckpointSeq else { return nil }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: signingKey)
        let now = Date()
        let checkpoint = try AuditCheckpoint.signed(seq: head.seq, headHash: head.hash, storeID: storeID,
                                                    reason: reason, everyEvents: Int64(checkpointEvery), key: key,
                                                    time: now)
        let content = JSONValue.object([
            "time": .string(AuditTime.format(now)),
            "kind": .string(AuditEvent.Kind.checkpoint.rawValue),
            "fields": .object(checkpoint.fields),
        ])
        let position = try head.append(content.canonicalText, with: insert)
        head.lastCheckpointSeq = position.seq
        batch.checkpoints.append(checkpoint)
        return position
    }
}

/// The chain's head as stored in `audit_meta`.
struct Head {
    var seq: Int64
    var hash: String
    var lastCheckpointSeq: Int64
    /// Reused for every event of the transaction.
    private var hasher = ChainHasher()

    init(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM audit_meta WHERE key IN (?, ?, ?)",
                                    arguments: [MetaKey.headSeq, MetaKey.headHash, MetaKey.lastCheckpointSeq])
        var values: [String: String] = [:]
        for row in rows { values[row["key"]] = row["value"] }
        guard let seqText = values[MetaKey.headSeq], let seq = Int64(seqText), let hash = values[MetaKey.headHash] else {
            throw AirlockError(.auditUnavailable, "audit store has no chain head (not initialised by Airlock?)")
        }
        self.seq = seq
        self.hash = hash
        self.lastCheckpointSeq = Int64(values[MetaKey.lastCheckpointSeq] ?? "0") ?? 0
    }

    mutating func append(_ eventText: String, with insert: Statement) throws -> SealedPosition {
        let seq = self.seq + 1
        let hash = hasher.hash(event: eventText, prevHash: self.hash, seq: seq).string
        try insert.execute(arguments: [seq, eventText, self.hash, hash])
        let position = SealedPosition(seq: seq, eventText: eventText, prevHash: self.hash, hash: hash)
        self.seq = seq
        self.hash = hash
        return position
    }

    func save(_ db: Database) throws {
        try db.setMeta(MetaKey.headSeq, String(seq))
        try db.setMeta(MetaKey.headHash, hash)
        try db.setMeta(MetaKey.lastCheckpointSeq, String(lastCheckpointSeq))
    }
}
