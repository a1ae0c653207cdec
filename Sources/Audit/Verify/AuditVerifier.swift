import AirlockCore
import Crypto
import Foundation
import GRDB

/// Recomputes the chain and checks checkpoints, in one read transaction so
/// a live store is seen at one consistent instant.
///
/// Trust: checkpoints only prove authorship when verified against a key the
/// auditor got from the daemon (`trustedKeys`). Keys stored in the database
/// can be replaced by whoever rewrote it, so verifying against them only
/// proves internal consistency; the report says which was used.
struct AuditVerifier {
    let database: any DatabaseReader
    /// At most this many problems are listed (the first is what matters).
    let problemLimit = 100
    /// Rows hashed per batch on the hashing thread (small in tests, to cross batch edges).
    var hashBatchSize = 2048

    func verify(trustedKeys: [Curve25519.Signing.PublicKey]?) throws -> VerificationReport {
        try database.read { db in
            guard let storeID = try db.metaValue(MetaKey.storeID) else {
                throw AirlockError(.notFound, "not an Airlock audit store (no store id)")
            }
            let keys = try trustedKeys ?? storedKeys(db)
            var walk = ChainWalk(storeID: storeID, keys: keys)
            var hashing = BatchHashingPipeline(batchSize: hashBatchSize)
            try ChainRows.forEach(db) { row in hashing.add(row) { batch, matches in batch.visitRows(matches, &walk) } }
            hashing.finish { batch, matches in batch.visitRows(matches, &walk) }
            walk.checkHead(seq: Int64(try db.metaValue(MetaKey.headSeq) ?? "0") ?? 0,
                           hash: try db.metaValue(MetaKey.headHash))
            let problems = Array(walk.problems.sorted { $0.seq < $1.seq }.prefix(problemLimit))
            return VerificationReport(
                storeID: storeID, recordsChecked: walk.count, lastSeq: walk.lastSeq,
                checkpointsVerified: walk.checkpointsVerified, lastVerifiedCheckpointSeq: walk.lastAttestedSeq,
                unsignedTail: walk.lastSeq - walk.lastAttestedSeq, closedCleanly: walk.endsWithCloseCheckpoint,
                keySource: trustedKeys == nil ? "database (self-asserted)" : "key file", problems: problems)
        }
    }

    private func storedKeys(_ db: Database) throws -> [Curve25519.Signing.PublicKey] {
        try String.fetchAll(db, sql: "SELECT public_key FROM audit_keys").compactMap { try? AuditKeys.publicKey(from: $0) }
    }
}
