import AirlockCore

extension ApprovalRecord {
    /// What the waiting agent is told when the decision was not "run it"
    /// (nil for every other state). The approver's reason is passed through
    /// verbatim: it is written for the agent to act on.
    public var refusal: AirlockError? {
        let requirement = request.requirement
        switch state {
        case .denied:
            return AirlockError(.approvalDenied, "approval \(id) for \(tool) was denied by \(decidedBy ?? "an approver")"
                + (decisionReason.map { ": \($0)" } ?? " (no reason given)"))
        case .expired:
            return AirlockError(.approvalExpired,
                                "approval \(id) for \(tool) expired at \(ApprovalTime.iso8601(expiresAt)) with \(approvers.count) of \(requirement.threshold) approvals from \(requirement.group); nothing ran")
        case .cancelled:
            return AirlockError(.cancelled, "approval \(id) for \(tool) was cancelled by \(decidedBy ?? "its requester")"
                + (decisionReason.map { ": \($0)" } ?? ""))
        default:
            return nil
        }
    }
}
