/// Where an approval is in its life. The arrows are the only moves the store
/// makes, each with a conditional UPDATE, so two racing writers can never both
/// take the same arrow:
///
///     PENDING ─▶ APPROVED ─▶ RUNNING ─▶ DONE
///        │          │          └──────▶ FAILED   (the run failed, or the daemon
///        │          └─▶ EXPIRED (not run in time)  restarted while it ran)
///        ├─▶ DENIED
///        ├─▶ EXPIRED   (nobody decided in time: a refusal)
///        └─▶ CANCELLED (the caller withdrew it)
///
/// Both EXPIRED arrows use the record's one deadline, `expires_at`: an
/// approval must be decided *and* run before it.
public enum ApprovalState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "PENDING"
    case approved = "APPROVED"
    case denied = "DENIED"
    case expired = "EXPIRED"
    case cancelled = "CANCELLED"
    case running = "RUNNING"
    case done = "DONE"
    case failed = "FAILED"

    /// Anything but PENDING: a waiter stops waiting.
    public var isDecided: Bool { self != .pending }

    /// The decision, if any, was not "run it": the agent gets a refusal.
    public var isRefusal: Bool { self == .denied || self == .expired || self == .cancelled }
}
