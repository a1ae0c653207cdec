import AirlockCore
import Crypto
import Foundation
import GRDB
import Synchronization

/// The append-only audit trail: one SQLite file in WAL mode.
///
/// `append` masks the event, hands it to the group committer, and returns
/// only once the transaction holding it is durable. Durability choice:
/// `synchronous = FULL`. In WAL mode FULL fsyncs the WAL at every commit,
/// so a committed event survives a power cut or kernel panic, not just
/// `kill -9`; NORMAL would skip that fsync and only sync at WAL
/// checkpoints, so the last acknowledged events could vanish with the page
/// cache. Group commit pays the fsync once per batch instead of per event.
///
/// Every failure to write (read-only, full, locked, I/O error, closed)
/// throws `AirlockError(.auditUnavailable, ...)`: the executor refuses the
/// call rather than run it unrecorded.
public final class AuditStore: Sendable {
    public let path: String
    /// Random id of this trail, bound into the genesis hash and every checkpoint.
    public let storeID: String
    /// The masker applied before anything is written; the daemon uses the
    /// same one for its log lines so tags correlate across both.
    public let masker: Masker
    private let publicKeyRaw: Data?
    private let pool: DatabasePool
    private let committer: GroupCommitter
    private let timer = Mutex<CheckpointTimer?>(nil)
    private let argumentsMemo = ArgumentsMaskMemo()

    /// Opens (creating if needed: directory 0700, file 0600) the store at `path`.
    ///
    /// - Parameters:
    ///   - signingKey: signs checkpoints; without it the chain is still
    ///     hashed but nothing proves who wrote it. Also keys the masker's
    ///     tags (so the tag key never sits in the database beside the data).
    ///   - checkpointEvery: a signed checkpoint after this many events (0: only on close). The
    ///     interval is signed into every checkpoint: verify with trusted keys fails when a longer
    ///     run of records has none, which is how removed checkpoints show.
    ///   - checkpointEverySeconds: also sign one this often when new records exist (nil: no timer),
    ///     so that a quiet trail's tail is anchored within that time.
    ///   - publish: receives each checkpoint once durable, to keep outside the database (the
    ///     daemon appends it to the anchor file and logs it); if it throws, appends fail closed.
    ///   - busyTimeout: how long to wait for another process's write lock before failing closed.
    ///   - maxSizeBytes: caps the database file so the trail can never fill the
    ///     disk the tools run on; reaching it fails closed like a full disk.
    ///   - masker: overrides the masker (by default derived from `signingKey`,
    ///     or random per process without one).
    public init(path: String, signingKey: Curve25519.Signing.PrivateKey?, checkpointEvery: Int = 1000,
                checkpointEverySeconds: Double? = nil, publish: CheckpointPublisher? = nil,
                busyTimeout: TimeInterval = 5, maxSizeBytes: Int64? = nil, masker: Masker? = nil) throws {
        guard checkpointEvery >= 0 else {
            throw AirlockError(.invalidConfig, "audit checkpoint interval must be 0 (only on close) or more events")
        }
        self.path = path
        self.masker = masker ?? signingKey.map { Masker(derivedFrom: $0) } ?? Masker()
        self.publicKeyRaw = signingKey?.publicKey.rawRepresentation
        try Self.prepareFile(at: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            if let maxSizeBytes {
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maxSizeBytes / pageSize))")
            }
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // After the pool is open: DatabasePool sets `synchronous = NORMAL`
            // when it enables WAL, after `prepareDatabase` has run. Appends
            // only ever use this one writer connection, so this sticks.
            try pool.writeWithoutTransaction { db in try Self.requireFullSync(db) }
            let storeID = try pool.write { db in try Self.initialise(db, publicKey: signingKey?.publicKey, path: path) }
            self.pool = pool
            self.storeID = storeID
        } catch {
            throw AuditUnavailable.error(error, path: path)
        }
        let writer = ChainWriter(pool: pool, storeID: storeID, signingKey: signingKey?.rawRepresentation,
                                 checkpointEvery: checkpointEvery)
        self.committer = GroupCommitter(writer: writer, path: path, publish: publish)
        if let checkpointEverySeconds, checkpointEverySeconds > 0, signingKey != nil {
            let timer = CheckpointTimer(every: .milliseconds(Int64(checkpointEverySeconds * 1000))) { [weak self] in
                guard let self else { return false }
                // A failure (an anchor that can't be written) is retried at
                // the next tick; appends meanwhile fail closed.
                _ = try? await self.sealedCheckpoint(.timer)
                return true
            }
            self.timer.withLock { $0 = timer }
        }
    }

    deinit {
        timer.withLock { $0?.cancel() }
        committer.shutdown()
    }

    /// The checkpoint verification key, when the store signs.
    public var publicKey: Curve25519.Signing.PublicKey? {
        publicKeyRaw.flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    /// Masks `event` (plus the exact `secrets` Airlock injected into this
    /// call), seals it into the chain and returns once it is durable.
    public func append(_ event: AuditEvent, secrets: [String] = []) async throws -> AuditRecord {
        guard event.kind != .checkpoint else {
            throw AirlockError(.invalidArguments, "audit.checkpoint events are written by the store itself")
        }
        let masked = EventContent.masked(event, masker: masker, secrets: secrets, memo: argumentsMemo)
        let text = CanonicalBytes.encode(masked.json)
        guard let position = try await committer.submit(.event(text)) else {
            throw AirlockError(.internalError, "audit committer returned no position for an event")
        }
        return AuditRecord(seq: position.seq, event: event, masked: masked, eventText: text,
                           prevHash: position.prevHash, hash: position.hash)
    }

    /// Signs a checkpoint over the current head now. `nil` when the store has
    /// no signing key or nothing new to cover.
    @discardableResult
    public func checkpoint() async throws -> AuditRecord? {
        try await sealedCheckpoint(.manual)
    }

    /// Signs a checkpoint now even if nothing is new: the daemon does this
    /// when it starts, so a young trail already carries its writer's signed
    /// interval (and the anchor file its first line) before the first N
    /// events or timer tick; verify with trusted keys then holds even a
    /// live trail to that interval instead of finding no checkpoint at all.
    @discardableResult
    public func markStarted() async throws -> AuditRecord? {
        try await sealedCheckpoint(.start)
    }

    /// Writes the closing checkpoint and stops accepting appends. A trail
    /// whose last record is a `close` checkpoint was shut down cleanly.
    public func close() async throws {
        timer.withLock { $0?.cancel() }
        do {
            _ = try await sealedCheckpoint(.close)
        } catch {
            committer.shutdown()
            throw error
        }
        committer.shutdown()
        try pool.close()
    }

    /// Queries, stats, export and verification over this store's live data.
    public var reader: AuditReader { AuditReader(database: pool, path: path) }

    private func sealedCheckpoint(_ reason: AuditCheckpoint.Reason) async throws -> AuditRecord? {
        guard let position = try await committer.submit(.checkpoint(reason)) else { return nil }
        return try AuditRecord(seq: position.seq, eventText: position.eventText, prevHash: position.prevHash,
                               hash: position.hash)
    }

    /// Sets and checks `synchronous = FULL` (2) on the writer connection.
    private static func requireFullSync(_ db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = FULL")
        guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2 else {
            throw AirlockError(.auditUnavailable, "audit store refused synchronous = FULL; cannot guarantee durable appends")
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests and diagnostics.
    func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// A trail is signed by one key for its whole life: the first key that
    /// opens it is recorded, and a different one (the key file replaced, or
    /// lost and silently regenerated) or none is refused. Otherwise a new
    /// key would quietly take over, and checkpoints that verify against the
    /// key auditors hold would stop at the switch.
    private static func requireSameSigningKey(_ db: Database, _ publicKey: Curve25519.Signing.PublicKey?,
                                              path: String) throws {
        let recorded = try db.metaValue(MetaKey.signingKeyID)
        switch (recorded, publicKey.map(AuditKeys.keyID)) {
        case (nil, let given?):
            try db.setMeta(MetaKey.signingKeyID, given)
        case (let recorded?, let given) where recorded != given:
            let what = given.map { "the checkpoint key given is \($0)" } ?? "no checkpoint key was given"
            throw AirlockError(.auditUnavailable, "audit store \(path) is signed by key \(recorded), but \(what): "
                + "the key file was replaced or lost. Restore the key that signed this trail; or, to rotate on purpose, "
                + "move the database and its anchor file aside (keep them, with the old public key, for audit) "
                + "and start a new trail with the new key")
        default:
            break
        }
    }

    /// Creates the schema and chain head on first open; records the signing
    /// key's public half so a copied file can at least be self-checked.
    private static func initialise(_ db: Database, publicKey: Curve25519.Signing.PublicKey?, path: String) throws -> String {
        try AuditSchema.create(db)
        let storeID: String
        if let existing = try db.metaValue(MetaKey.storeID) {
            storeID = existing
        } else {
            storeID = UUID().uuidString.lowercased()
            try db.setMeta(MetaKey.format, AuditSchema.version)
            try db.setMeta(MetaKey.storeID, storeID)
            try db.setMeta(MetaKey.headSeq, "0")
            try db.setMeta(MetaKey.headHash, ChainHash.genesis(storeID: storeID))
            try db.setMeta(MetaKey.lastCheckpointSeq, "0")
        }
        try requireSameSigningKey(db, publicKey, path: path)
        if let publicKey {
            try db.execute(sql: "INSERT OR IGNORE INTO audit_keys(key_id, public_key, added_at) VALUES (?, ?, ?)",
                           arguments: [AuditKeys.keyID(publicKey), AuditKeys.publicKeyPEM(publicKey),
                                       AuditTime.format(Date())])
        }
        return storeID
    }
}
