import AirlockCore

/// How a call ended, as the transport needs to report it.
public enum CallOutcome: Sendable {
    /// The tool ran; a non-zero exit or a limit is in the result itself.
    case completed(RunResult)
    /// The tool did not run (or its result cannot be released); the error
    /// says why and, where known, what would be allowed. `decision` is set
    /// when the policy was consulted.
    case refused(AirlockError, decision: Decision?)
    /// The policy asked for an approval that was not given within the wait.
    case pending(approvalID: String, decision: Decision)

    /// The run result, when the tool ran.
    public var result: RunResult? {
        if case .completed(let result) = self { return result }
        return nil
    }
}
