import AirlockCore
import Approvals
import Executor
import Logging
import Synchronization

/// The approval pieces the daemon runs together, opened from the config's
/// `approvers:` section: one durable store shared by the gate (agent side)
/// and the admin socket (approver side), so a decision wakes the waiting
/// call at once, plus the timer that expires overdue records.
///
/// The composition root opens it before building the pipeline (the gate is
/// `PipelineHooks.approvals` and `AgentServer.start(approvals:)`), calls
/// `start()` before serving agents, and `shutdown()` on SIGTERM.
public final class ApprovalFlow: Sendable {
    public let store: ApprovalStore
    /// The approval queue's SQLite file.
    public let databasePath: String
    public let gate: StoreApprovalGate
    public let admin: AdminServer
    private let sweepInterval: Duration
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    /// - Parameters:
    ///   - mask: what approvers see of the arguments (`ApprovalMasking.verbatim`
    ///     until the audit module's masker is plugged in).
    ///   - audit: receives every approval state change before it commits; if it
    ///     throws, the change does not happen.
    public init(settings: ApprovalSettings, mask: @escaping ApprovalArgumentMasker, notifier: WebhookNotifier? = nil,
                sweepInterval: Duration = .seconds(5), audit: @escaping ApprovalStore.AuditSink,
                logger: Logger = Logger(label: "airlock.approvals")) throws {
        databasePath = settings.databasePath
        store = try ApprovalStore(path: settings.databasePath, config: settings.config, notifier: notifier, audit: audit)
        gate = StoreApprovalGate(store: store, wait: settings.wait, mask: mask, logger: logger)
        admin = AdminServer(store: store, settings: settings.adminSocket, logger: logger)
        self.sweepInterval = sweepInterval
    }

    /// Settles what the previous process left (RUNNING → FAILED, overdue →
    /// EXPIRED; APPROVED stays claimable once until its expiry), starts expiring overdue
    /// records on a timer, and opens the admin socket.
    @discardableResult
    public func start() async throws -> RecoveryReport {
        let report = try await store.recoverAfterRestart()
        let store = self.store, interval = sweepInterval
        sweeper.withLock { $0 = Task { await store.sweepExpired(every: interval) } }
        do {
            try await admin.start()
        } catch {
            sweeper.withLock { $0?.cancel() }
            throw error
        }
        return report
    }

    /// Closes the admin socket and stops the expiry timer. Records stay in
    /// the store; waiting calls end with the agent server's own shutdown.
    public func shutdown() async {
        await admin.shutdown()
        sweeper.withLock { task in
            task?.cancel()
            task = nil
        }
    }
}
