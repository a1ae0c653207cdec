import AirlockCore
import Crypto
import Foundation
import GRDB

/// Read access to an audit trail: a live daemon's store (through its own
/// connection, or read-only from another process while the daemon writes,
/// which WAL allows) or a copied file. Never writes.
public struct AuditReader: Sendable {
    let database: any DatabaseReader
    public let path: String

    /// Opens `path` read-only.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AirlockError(.notFound, "no audit store at \(path) (pass --db PATH)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            self.init(database: try DatabaseQueue(path: path, configuration: configuration), path: path)
        } catch {
            throw AuditUnavailable.error(error, path: path)
        }
    }

    init(database: any DatabaseReader, path: String) {
        self.database = database
        self.path = path
    }

    /// Records matching `filter`, oldest first unless `newestFirst`.
    public func records(_ filter: AuditFilter = AuditFilter()) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        try forEachRecord(filter) { records.append($0) }
        return records
    }

    /// Streams matching records (oldest first, or newest first with
    /// `newestFirst`) without holding them all in memory.
    public func forEachRecord(_ filter: AuditFilter, _ body: (AuditRecord) throws -> Void) throws {
        let (clause, arguments) = filter.whereClause()
        let order = filter.newestFirst ? " ORDER BY seq DESC" : " ORDER BY seq"
        let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
        try database.unsafeRead { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, event, prev_hash, hash FROM audit_events"
                                               + clause + order + limit, arguments: arguments)
            while let row = try rows.next() {
                try body(try AuditRecord(seq: row[0], eventText: row[1], prevHash: row[2], hash: row[3]))
            }
        }
    }

    /// The whole story of one call, request to outcome, in the order it happened.
    public func story(callID: String) throws -> [AuditRecord] {
        try records(AuditFilter(callID: callID))
    }

    /// One canonical JSON line per record (for `export --format jsonl`).
    public func exportJSONLines(_ filter: AuditFilter = AuditFilter(), _ emit: (String) throws -> Void) throws {
        try forEachRecord(filter) { try emit($0.jsonLine) }
    }

    public func stats(_ filter: AuditFilter = AuditFilter()) throws -> AuditStats {
        try database.read { db in try AuditStats.compute(db, filter: filter) }
    }

    /// Recomputes the chain and checks every checkpoint. Pass the daemon's
    /// exported public key(s) to prove authorship; `nil` trusts the keys
    /// recorded in the database itself, which only proves consistency.
    public func verify(trustedKeys: [Curve25519.Signing.PublicKey]? = nil) throws -> VerificationReport {
        try AuditVerifier(database: database).verify(trustedKeys: trustedKeys)
    }

    /// Verifies with everything the auditor holds outside the database:
    /// trusted keys, anchors (published heads) and the expected store id.
    public func verify(_ options: VerifyOptions) throws -> VerificationReport {
        try AuditVerifier(database: database).verify(options)
    }

    /// The highest sequence number stored (0 for an empty trail).
    public func lastSeq() throws -> Int64 {
        try database.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_events") ?? 0 }
    }

    /// Records as they are committed: everything matching `filter` after
    /// `afterSeq`, then new ones as they appear, polled every `interval`
    /// (a reader in another process has no commit notification to wait on).
    public func follow(_ filter: AuditFilter, afterSeq: Int64,
                       interval: Duration = .milliseconds(250)) -> AsyncThrowingStream<AuditRecord, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var cursor = afterSeq
                do {
                    while !Task.isCancelled {
                        var page = filter
                        page.afterSeq = cursor
                        page.newestFirst = false
                        page.limit = 1000
                        let batch = try records(page)
                        for record in batch { continuation.yield(record) }
                        if let last = batch.last { cursor = last.seq } else { try await Task.sleep(for: interval) }
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
