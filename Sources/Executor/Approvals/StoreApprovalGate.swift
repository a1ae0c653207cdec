import AirlockCore
import Approvals
import Foundation
import Logging
import Synchronization

/// The approval flow of the pipeline, backed by the durable `ApprovalStore`.
///
/// A call that policy sent to review becomes a PENDING record (with masked
/// arguments for display), then waits up to `wait` for the approvers,
/// reporting progress meanwhile. Approved in time: the record is claimed
/// (APPROVED → RUNNING, exactly once across racing waiters and processes)
/// and the *stored* call is what the executor runs, never anything the agent
/// sends later. Refused (denied, expired, cancelled): the refusal is thrown
/// with the approver's reason. Not decided in time: `.pending(approvalID:)`,
/// which is never a run; the same actor resumes later (`resume`,
/// `resumeCall`).
public final class StoreApprovalGate: ApprovalGate, ApprovalRunCompletion {
    public static let defaultWait: Duration = .seconds(120)
    public static let defaultProgressInterval: Duration = .seconds(5)

    public let store: ApprovalStore
    private let wait: Duration
    private let progressInterval: Duration
    private let mask: ApprovalArgumentMasker
    private let logger: Logger

    /// - Parameters:
    ///   - wait: how long one `tools/call` (or one resume) waits for a decision.
    ///   - progressInterval: how often a waiting call is told it still waits.
    ///   - mask: what approvers see of the arguments (`ApprovalMasking.verbatim`
    ///     or the audit module's masker).
    public init(store: ApprovalStore, wait: Duration = StoreApprovalGate.defaultWait,
                progressInterval: Duration = StoreApprovalGate.defaultProgressInterval,
                mask: @escaping ApprovalArgumentMasker, logger: Logger = Logger(label: "airlock.approvals")) {
        self.store = store
        self.wait = wait
        self.progressInterval = progressInterval > .zero ? progressInterval : Self.defaultProgressInterval
        self.mask = mask
        self.logger = logger
    }

    public func requestApproval(for call: ToolCall, tool: ToolDefinition, decision: Decision,
                                progress: ProgressReporter) async throws -> ApprovalOutcome {
        if let resumption = ApprovalResumption.current {
            return try await resumeInPipeline(resumption, call: call, tool: tool, decision: decision, progress: progress)
        }
        let record = try await store.createPending(call: call, decision: decision, maskedArguments: mask(call, tool),
                                                   toolDigest: tool.definitionDigest, maskedClaims: maskedClaims(call, tool))
        let rule = record.request.requirement
        progress.report("waiting for approval \(record.id) from \(rule.group) (rule \(rule.ruleID): \(rule.message))")
        logger.info("approval requested", metadata: ["approval_id": "\(record.id)", "tool": "\(call.tool)"])
        return try await awaitDecision(record.id, progress: progress)
    }

    /// The agent's claims as approvers and webhooks may see them: its own
    /// text, through the same masker as the arguments.
    private func maskedClaims(_ call: ToolCall, _ tool: ToolDefinition) -> CallClaims {
        var view = call
        view.arguments = [:]
        if let reason = call.claims.reason { view.arguments["reason"] = .string(reason) }
        if let behalf = call.claims.onBehalfOf { view.arguments["on_behalf_of"] = .string(behalf) }
        let masked = mask(view, tool)
        return CallClaims(onBehalfOf: masked["on_behalf_of"]?.stringValue, reason: masked["reason"]?.stringValue)
    }

    /// `airlock/approvals/wait`: runs the stored call of `approvalID` through
    /// `execute` (the executor's full pipeline: validation, policy and audit
    /// again) with this gate resuming the record instead of queuing a new
    /// one. Throws `notFound` / `forbidden` before anything is executed.
    ///
    /// If the policy no longer asks for review, the call ran (or was denied)
    /// without this approval; a record still open is then closed, so it can
    /// never authorise a second run of the same action later. If it still
    /// asks for review, but not as it did (see `ApprovalRequest.drift`),
    /// the resume is refused and the record closed the same way.
    public func resumeCall(approvalID: String, actor: Actor,
                           execute: @Sendable (ToolCall) async -> CallOutcome) async throws -> CallOutcome {
        let record = try await requestedRecord(approvalID, by: actor)
        let resumption = ApprovalResumption(approvalID: approvalID, actor: actor, store: ObjectIdentifier(store))
        // The stored call, made by the agent as it is now: the policy decides
        // on its current roles, and the run is audited with the resuming pid.
        var call = record.request.call
        call.actor = actor
        let outcome = await ApprovalResumption.$current.withValue(resumption) {
            await execute(call)
        }
        guard !resumption.consulted.value else { return outcome }
        switch outcome {
        case .completed:
            await retire(approvalID, reason: "not used: the policy no longer asks for review, and the call ran without this approval")
        case .refused(let error, _) where error.code == .policyDenied:
            await retire(approvalID, reason: "not used: the policy now denies this call")
        default:
            break
        }
        return outcome
    }

    /// Closes a record that will not be used: PENDING → CANCELLED, APPROVED
    /// → FAILED (through a claim, the only way out of APPROVED, so a racing
    /// claimer either ran it first or never will).
    private func retire(_ approvalID: String, reason: String) async {
        do {
            switch try await store.record(id: approvalID).state {
            case .pending:
                _ = try await store.cancel(id: approvalID, by: "system", reason: reason)
            case .approved:
                _ = try await store.claimForRun(id: approvalID)
                try await store.finishRun(id: approvalID, succeeded: false, note: reason)
            default:
                return
            }
        } catch {
            logger.warning("could not close an unused approval", metadata: ["approval_id": "\(approvalID)", "error": "\(error)"])
        }
    }

    public func approvedRunEnded(approvalID: String, result: Result<RunResult, AirlockError>) async {
        let note: String?
        switch result {
        case .success(let run):
            note = run.termination == .exited && run.exitCode == 0 ? nil
                : "ran; ended \(run.termination.rawValue) with status \(run.shellStatus)"
        case .failure(let error):
            note = "not run to the end: \(error.code.rawValue): \(error.message)"
        }
        do {
            try await store.finishRun(id: approvalID, succeeded: (try? result.get()) != nil, note: note)
        } catch {
            logger.error("could not close the approval record after its run",
                         metadata: ["approval_id": "\(approvalID)", "error": "\(error)"])
        }
    }

    // MARK: waiting

    /// The pipeline re-entered with a resumption: the call must be the
    /// stored one of that record (the resumer handed it in), and `decision`
    /// (the policy as it is now) must still ask for the review the record
    /// was created for, of the tool as it was then; else refuse.
    private func resumeInPipeline(_ resumption: ApprovalResumption, call: ToolCall, tool: ToolDefinition,
                                  decision: Decision, progress: ProgressReporter) async throws -> ApprovalOutcome {
        resumption.consulted.set()
        let record = try await requestedRecord(resumption.approvalID, by: resumption.actor)
        // Same call id and the digest the approvers saw (timestamps may lose
        // precision in the store, so whole-value equality is not the test).
        guard resumption.store == ObjectIdentifier(store), call.id == record.request.call.id,
              call.actionDigest == record.actionDigest else {
            throw AirlockError(.conflict, "approval \(record.id) is for a different call; nothing ran")
        }
        let drift = record.request.drift(from: decision, toolDigest: tool.definitionDigest, requester: call.actor)
        guard drift.isEmpty else {
            let changes = drift.joined(separator: "; ")
            await retire(record.id, reason: "not used: the policy, tool or requester changed since it was requested: \(changes)")
            logger.notice("approval refused on resume: policy, tool or requester changed",
                          metadata: ["approval_id": "\(record.id)", "changes": "\(changes)"])
            throw AirlockError(.conflict, "approval \(record.id) was requested under another policy, tool definition or requester "
                + "(\(changes)); it no longer authorises this call and nothing ran. Call \(call.tool) again to ask for "
                + "approval under the current policy")
        }
        progress.report("waiting again for approval \(record.id)")
        return try await awaitDecision(record.id, progress: progress)
    }

    /// The record `actor` requested, or `notFound` / `forbidden`, each
    /// audited as `approval.resume_refused`: someone probing ids or waiting
    /// on another agent's approval leaves a trace.
    private func requestedRecord(_ approvalID: String, by actor: Actor) async throws -> ApprovalRecord {
        do {
            let record = try await store.record(id: approvalID)
            guard record.requester.uid == actor.uid, record.requester.name == actor.name else {
                throw AirlockError(.forbidden, "approval \(approvalID) was requested by another actor; only \(record.requester.name) "
                    + "(uid \(record.requester.uid)) can wait for it")
            }
            return record
        } catch let error as AirlockError where ApprovalStore.auditedRefusals.contains(error.code) {
            await store.auditRefusedResume(id: approvalID, by: actor, error: error)
            throw error
        }
    }

    /// Waits in slices of `progressInterval` until decided or `wait` is
    /// over. Only an APPROVED record the claim wins becomes a run.
    private func awaitDecision(_ approvalID: String, progress: ProgressReporter) async throws -> ApprovalOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: wait)
        while true {
            let remaining = deadline - clock.now
            let record = try await store.waitForDecision(id: approvalID, timeout: max(.zero, min(remaining, progressInterval)))
            switch record.state {
            case .pending:
                guard clock.now < deadline else {
                    logger.info("approval still pending after the wait", metadata: ["approval_id": "\(approvalID)"])
                    return .pending(approvalID: approvalID)
                }
                let rule = record.request.requirement
                progress.report("still waiting for approval \(approvalID): \(record.approvers.count) of \(rule.threshold) "
                    + "from \(rule.group); expires \(Date.ISO8601FormatStyle().format(record.expiresAt))")
            case .approved:
                let action = try await store.claimForRun(id: approvalID)
                progress.report("approved by \(action.approvers.joined(separator: ", "))")
                return .approved(approvalID: approvalID, call: action.call)
            case .denied, .expired, .cancelled:
                throw record.refusal ?? AirlockError(.approvalDenied, "approval \(approvalID) was not granted")
            case .running, .done, .failed:
                throw AirlockError(.conflict, "approval \(approvalID) is \(record.state.rawValue)"
                    + (record.runNote.map { " (\($0))" } ?? "") + "; an approved action runs only once")
            }
        }
    }
}

/// Marks the task that resumes a record: the gate then waits on that record
/// instead of queuing the (stored) call as a new one.
struct ApprovalResumption: Sendable {
    var approvalID: String
    var actor: Actor
    /// The store the resumption belongs to; another gate's records never match.
    var store: ObjectIdentifier
    /// Set when the pipeline asked the gate, i.e. the policy still said review.
    let consulted = OnceFlag()

    @TaskLocal static var current: ApprovalResumption?
}

/// A flag that only goes from false to true, shared across tasks.
final class OnceFlag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
