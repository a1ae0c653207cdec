/// What `recoverAfterRestart` found and did.
public struct RecoveryReport: Sendable, Hashable {
    /// Records that were RUNNING when the last process died, now FAILED: they
    /// may have half-run, so they are never re-run silently.
    public var failedRuns: [ApprovalRecord]
    /// PENDING and APPROVED records whose expiry passed while nobody was watching.
    public var expired: [ApprovalRecord]
    /// Still waiting for approvers.
    public var pending: [ApprovalRecord]
    /// Approved but not yet run: a resumed wait claims and runs each once.
    public var approved: [ApprovalRecord]

    public init(failedRuns: [ApprovalRecord], expired: [ApprovalRecord], pending: [ApprovalRecord],
                approved: [ApprovalRecord]) {
        self.failedRuns = failedRuns
        self.expired = expired
        self.pending = pending
        self.approved = approved
    }
}
