import AirlockCore
import Crypto
import Foundation
import GRDB

/// Recomputes the chain and checks checkpoints and anchors, in one read
/// transaction so a live store is seen at one consistent instant.
///
/// Trust: checkpoints only prove authorship when verified against a key the
/// auditor got from the daemon (`trustedKeys`). Keys stored in the database
/// can be replaced by whoever rewrote it, so verifying against them only
/// proves internal consistency; the report says which was used. Likewise
/// only an anchor kept outside the database can show that its newest
/// records were cut off or an older copy put back.
struct AuditVerifier {
    let database: any DatabaseReader
    /// At most this many problems are listed (the first is what matters).
    let problemLimit = 100
    /// Rows hashed per batch on the hashing thread (small in tests, to cross batch edges).
    var hashBatchSize = 2048

    func verify(trustedKeys: [Curve25519.Signing.PublicKey]?) throws -> VerificationReport {
        try verify(VerifyOptions(trustedKeys: trustedKeys))
    }

    func verify(_ options: VerifyOptions) throws -> VerificationReport {
        try database.read { db in
            guard let storeID = try db.metaValue(MetaKey.storeID) else {
                throw AirlockError(.notFound, "not an Airlock audit store (no store id)")
            }
            let keys = try options.trustedKeys ?? storedKeys(db)
            var preliminary: [VerificationReport.Problem] = []
            if let pinned = options.storeID, pinned != storeID {
                preliminary.append(.init(kind: .wrongStore, seq: 1,
                                         message: "this trail is store \(storeID), not the expected store \(pinned) "
                                             + "(a different or re-created database)"))
            }
            preliminary += try Self.schemaProblems(db)
            let anchors = try usableAnchors(options, storeID: storeID, problems: &preliminary)
            var walk = ChainWalk(storeID: storeID, keys: keys, keysTrusted: options.trustedKeys != nil, anchors: anchors)
            var hashing = BatchHashingPipeline(batchSize: hashBatchSize)
            try ChainRows.forEach(db) { row in hashing.add(row) { batch, matches in batch.visitRows(matches, &walk) } }
            hashing.finish { batch, matches in batch.visitRows(matches, &walk) }
            walk.finish(headSeq: Int64(try db.metaValue(MetaKey.headSeq) ?? "0") ?? 0,
                        headHash: try db.metaValue(MetaKey.headHash))
            let problems = Array((preliminary + walk.problems).sorted { $0.seq < $1.seq }.prefix(problemLimit))
            return VerificationReport(
                storeID: storeID, recordsChecked: walk.count, lastSeq: walk.lastSeq,
                checkpointsVerified: walk.checkpointsVerified, lastVerifiedCheckpointSeq: walk.lastAttestedSeq,
                unsignedTail: walk.lastSeq - walk.lastAttestedSeq, closedCleanly: walk.endsWithCloseCheckpoint,
                keySource: options.trustedKeys == nil ? "database (self-asserted)" : "key file",
                anchorsChecked: walk.anchorsChecked, problems: problems)
        }
    }

    /// The hashes cover each record's event; the columns list, show and
    /// export filter on are generated from it by definitions the database
    /// holds. Rewritten (writable_schema) they can hide a call's outcome
    /// while every hash still holds, so the definitions are compared with
    /// the ones Airlock creates, and SQLite checks its pages and indexes.
    static func schemaProblems(_ db: Database) throws -> [VerificationReport.Problem] {
        let found = try definitions(db)
        var problems: [VerificationReport.Problem] = []
        for (name, definition) in expectedDefinitions.sorted(by: { $0.key < $1.key }) where found[name] != definition {
            problems.append(.init(kind: .schemaAltered, seq: 1, message: found[name] == nil
                ? "the store's \(name) is missing; queries may not show what was hashed"
                : "the store's definition of \(name) is not Airlock's; queries may not show what was hashed"))
        }
        for name in found.keys.sorted() where expectedDefinitions[name] == nil {
            problems.append(.init(kind: .schemaAltered, seq: 1, message: "the store holds \(name), which Airlock does not create"))
        }
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        if integrity != ["ok"] {
            problems.append(.init(kind: .schemaAltered, seq: 1,
                                  message: "SQLite's integrity check failed: \(integrity.prefix(3).joined(separator: "; "))"))
        }
        return problems
    }

    /// Tables and indexes by "type name", with their SQL: what queries read
    /// through. (The append-only triggers only stop accidents; whoever
    /// rewrites records drops them, and the hashes catch that.)
    private static func definitions(_ db: Database) throws -> [String: String] {
        var definitions: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index', 'view')
            """) {
            let name: String = row["name"]
            if name.hasPrefix("sqlite_") { continue }
            definitions["\(row["type"] as String) \(name)"] = row["sql"]
        }
        return definitions
    }

    /// What `AuditSchema.create` makes, read back from a fresh in-memory store.
    static let expectedDefinitions: [String: String] = {
        guard let queue = try? DatabaseQueue(),
              let definitions = try? queue.write({ db -> [String: String] in
                  try AuditSchema.create(db)
                  return try definitions(db)
              }) else { return [:] }
        return definitions
    }()

    /// The anchors that apply to this store. Anchors given for other stores
    /// only (an anchor file kept for a different trail) are themselves a
    /// finding, as is an anchor line whose signature the trusted keys reject.
    private func usableAnchors(_ options: VerifyOptions, storeID: String,
                               problems: inout [VerificationReport.Problem]) throws -> [ChainAnchor] {
        let applicable = options.anchors.filter { $0.storeID == nil || $0.storeID == storeID }
        if applicable.isEmpty, let foreign = options.anchors.first {
            problems.append(.init(kind: .wrongStore, seq: 1,
                                  message: "\(foreign.source) anchors store \(foreign.storeID ?? "?"), not this trail's "
                                      + "store \(storeID): none of the given anchors is for this trail"))
        }
        guard let keys = options.trustedKeys else { return applicable }
        return applicable.filter { anchor in
            guard let checkpoint = anchor.checkpoint else { return true }
            let signed = keys.contains { checkpoint.isSigned(by: $0) }
            if !signed {
                problems.append(.init(kind: .forgedCheckpoint, seq: max(anchor.seq, 1),
                                      message: "\(anchor.source) is not signed by a trusted key; that anchor was ignored"))
            }
            return signed
        }
    }

    private func storedKeys(_ db: Database) throws -> [Curve25519.Signing.PublicKey] {
        try String.fetchAll(db, sql: "SELECT public_key FROM audit_keys").compactMap { try? AuditKeys.publicKey(from: $0) }
    }
}
