import AirlockCore

/// What `claimForRun` hands its single winner: the action exactly as it was
/// stored and approved. The executor runs `call`, never whatever the agent
/// sends when it resumes.
public struct ApprovedAction: Sendable, Hashable {
    public var approvalID: String
    /// The stored call: tool, arguments, requester and claims as first received.
    public var call: ToolCall
    public var actionDigest: String
    /// The distinct people whose approvals met the threshold.
    public var approvers: [String]

    public init(approvalID: String, call: ToolCall, actionDigest: String, approvers: [String]) {
        self.approvalID = approvalID
        self.call = call
        self.actionDigest = actionDigest
        self.approvers = approvers
    }
}
