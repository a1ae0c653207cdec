import AirlockCore
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The durable approval queue: one SQLite file in WAL mode, so a `kill -9`
/// loses nothing that was committed.
///
/// Every state change is a conditional UPDATE (`WHERE state = 'PENDING'`,
/// `WHERE state = 'APPROVED'`...) inside an immediate transaction, so among
/// any number of racing approvers, claimers or processes exactly one takes
/// each arrow of `ApprovalState`. Each change is reported to `audit` inside
/// the same transaction: if the audit sink throws, the change is rolled back
/// (an unaudited approval never happens).
public final class ApprovalStore: Sendable {
    /// Receives one event per state change, before the change commits.
    public typealias AuditSink = @Sendable (AuditEvent) throws -> Void

    /// How often a waiter re-reads the database when nothing in this process
    /// told it about a change (another process may share the file).
    public static let waitPollInterval: Duration = .seconds(1)

    let pool: DatabasePool
    let config: ApprovalConfig
    let rules: ApproverRules
    let audit: AuditSink
    let feed = ApprovalChangeFeed()
    let notifier: WebhookNotifier?

    /// Opens (creating if needed) the queue at `path`. Its directory is made
    /// 0700: the file holds the raw arguments of every pending action.
    public init(path: String, config: ApprovalConfig, notifier: WebhookNotifier? = nil,
                audit: @escaping AuditSink) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try Self.restrictFile(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try ApprovalSchema.migrator().migrate(pool)
        self.config = config
        self.rules = ApproverRules(config)
        self.notifier = notifier
        self.audit = audit
    }

    /// Creates the database file 0600 before SQLite does (SQLite gives the
    /// WAL and shared-memory files the same mode), and tightens an existing
    /// one: the directory may be shared with other daemon state.
    private static func restrictFile(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0, fchmod(fd, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { Glibc.close(fd) }
            throw AirlockError(.invalidConfig, "cannot create \(path) with mode 0600: \(reason)")
        }
        Glibc.close(fd)
    }

    /// Closes the database; later calls fail. Used on shutdown and by tests
    /// that reopen the file to simulate a restart.
    public func close() throws {
        try pool.close()
    }

    // MARK: Creating and reading

    /// Stores a pending record for a call that policy sent to review, audits
    /// `approval.requested`, then notifies webhooks in the background (a dead
    /// webhook never delays or loses the record).
    ///
    /// `maskedArguments` is what approvers and webhooks will see; pass the
    /// arguments through the daemon's masker first. `toolDigest` binds the
    /// tool's definition to the record (see `ApprovalRequest.toolDigest`); a
    /// record without one can be decided and claimed, but not resumed.
    public func createPending(call: ToolCall, decision: Decision, maskedArguments: [String: JSONValue],
                              toolDigest: String? = nil, maskedClaims: CallClaims? = nil, now: Date = Date()) async throws -> ApprovalRecord {
        guard decision.effect == .review, var requirement = decision.review else {
            throw AirlockError(.invalidArguments,
                               "only a decision with effect review and a review requirement can be queued for approval")
        }
        guard rules.groupHasMembers(requirement.group) else {
            throw AirlockError(.invalidConfig,
                               "rule \(requirement.ruleID) asks approver group \(requirement.group), which has no approvers in the config")
        }
        requirement.threshold = max(1, requirement.threshold)
        let request = ApprovalRequest(call: call, requirement: requirement, ruleIDs: decision.ruleIDs,
                                      reasons: decision.reasons, policyRevision: decision.policyRevision,
                                      facts: decision.facts, maskedArguments: maskedArguments, toolDigest: toolDigest,
                                      maskedClaims: maskedClaims)
        let id = ApprovalID.make()
        let requestJSON = try ApprovalSchema.encodeRequest(request)
        let expiresAt = now.addingTimeInterval(config.expiryInterval)
        let cap = config.maxPendingPerAgent
        let record = try await commit { db in
            let open = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM approval WHERE state = ?
                AND json_extract(request_json, '$.call.actor.uid') = ? AND json_extract(request_json, '$.call.actor.name') = ?
                """, arguments: [ApprovalState.pending.rawValue, Int64(call.actor.uid), call.actor.name]) ?? 0
            guard open < cap else {
                throw AirlockError(.busy, "\(call.actor.name) already has \(open) approvals pending, the most one agent may have "
                    + "waiting; call again once some are decided or expired")
            }
            try db.execute(sql: """
                INSERT INTO approval (id, state, action_digest, request_json, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, ApprovalState.pending.rawValue, call.actionDigest, requestJSON,
                                 now.timeIntervalSince1970, expiresAt.timeIntervalSince1970])
            let record = try Self.require(db, id)
            return Committed(record, kind: .approvalRequested, record: record,
                             event: ApprovalAuditEvents.requested(record))
        }
        notifier?.notifyInBackground(record)
        return record
    }

    /// The record with `id`, or `notFound`.
    public func record(id: String) async throws -> ApprovalRecord {
        try await pool.read { db in try Self.require(db, id) }
    }

    /// Records in `states` (all states when nil), oldest first.
    public func list(states: Set<ApprovalState>? = [.pending], limit: Int = 500) async throws -> [ApprovalRecord] {
        try await pool.read { db in
            guard let states else {
                return try ApprovalSchema.fetch(db, where: "1", arguments: [], limit: limit)
            }
            let names = states.map(\.rawValue).sorted()
            let marks = Array(repeating: "?", count: names.count).joined(separator: ",")
            return try ApprovalSchema.fetch(db, where: "state IN (\(marks))",
                                            arguments: StatementArguments(names), limit: limit)
        }
    }

    /// Every committed change made through this store, from now on. Filter
    /// with `ApprovalChange.isNewPending` for `approvals watch`.
    public func changes() -> AsyncStream<ApprovalChange> {
        feed.subscribe()
    }

    // MARK: Transactions

    /// The result of one transaction: a value for the caller, the changes to
    /// publish once it has committed, and the audit events it produced.
    struct Committed<Value: Sendable>: Sendable {
        var value: Value
        var changes: [ApprovalChange]
        var events: [AuditEvent]

        init(_ value: Value, changes: [ApprovalChange] = [], events: [AuditEvent] = []) {
            self.value = value
            self.changes = changes
            self.events = events
        }

        init(_ value: Value, kind: AuditEvent.Kind?, record: ApprovalRecord, event: AuditEvent?) {
            self.init(value, changes: [ApprovalChange(kind: kind, record: record)], events: event.map { [$0] } ?? [])
        }
    }

    /// Runs `body` in one immediate write transaction, hands its events to
    /// the audit sink before commit, and publishes its changes after.
    ///
    /// The transaction runs in a task of its own: GRDB rolls a write back
    /// when the awaiting task is cancelled at COMMIT, and by then its events
    /// are in the audit trail. A caller that hung up mid-way still gets the
    /// change its events describe.
    func commit<Value: Sendable>(_ body: @escaping @Sendable (Database) throws -> Committed<Value>) async throws -> Value {
        let audit = self.audit, pool = self.pool
        let committed = try await Task {
            try await pool.write { db in
                let committed = try body(db)
                for event in committed.events { try audit(event) }
                return committed
            }
        }.value
        feed.publish(committed.changes)
        return committed.value
    }

    static func require(_ db: Database, _ id: String) throws -> ApprovalRecord {
        guard let record = try ApprovalSchema.fetch(db, id: id) else {
            throw AirlockError(.notFound, "no approval \(id)")
        }
        return record
    }
}
