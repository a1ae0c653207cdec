import AirlockCore

/// Told when the run of an approved action has ended, so its approval
/// record can leave RUNNING: DONE when the tool ran (whatever its exit
/// status), FAILED when it could not be run to the end (setup, credential or
/// audit failure, cancellation). A record left RUNNING would be marked
/// FAILED at the next restart as "lost", which would be wrong.
///
/// An `ApprovalGate` that keeps records adopts this too; the executor finds
/// it on its gate, so `PipelineHooks` and `ApprovalGate` need no new members.
public protocol ApprovalRunCompletion: Sendable {
    func approvedRunEnded(approvalID: String, result: Result<RunResult, AirlockError>) async
}

extension PipelineHooks {
    /// Runs `body`, the run of a call, and when `approvalID` is set tells the
    /// gate how it ended, on every path out, cancellation included.
    func reportingRunEnd(of approvalID: String?,
                         _ body: () async throws -> RunResult) async throws -> RunResult {
        guard let approvalID, let completion = approvals as? any ApprovalRunCompletion else {
            return try await body()
        }
        let result: Result<RunResult, AirlockError>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(Executor.airlockError(error))
        }
        // A fresh task: a cancelled call must still close its record, and the
        // store refuses work from a cancelled task.
        await Task { await completion.approvedRunEnded(approvalID: approvalID, result: result) }.value
        return try result.get()
    }
}
