import AirlockCore

/// One committed state change, as the change feed reports it.
public struct ApprovalChange: Sendable, Hashable {
    /// The audit kind of the change; nil for run-stage moves (RUNNING, DONE, FAILED).
    public var kind: AuditEvent.Kind?
    /// The record as it is right after the change.
    public var record: ApprovalRecord

    public init(kind: AuditEvent.Kind?, record: ApprovalRecord) {
        self.kind = kind
        self.record = record
    }

    /// A record that just entered the queue: what `approvals watch` streams.
    public var isNewPending: Bool { kind == .approvalRequested }
}
