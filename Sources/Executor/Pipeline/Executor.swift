import AirlockCore
import Credentials
import Audit
import Foundation
import Logging
import Sandbox

/// The transport-free tool-call pipeline:
///
///   catalog lookup → schema validation → argv/stdin/workdir → policy →
///   approval (for `review`) → a sandbox slot → credentials → run → result
///
/// with an audit event at every step. Every step fails closed: whatever
/// throws before the run turns into a refusal, and a call whose audit
/// record cannot be written does not run. The socket server is one client
/// of this type; tests drive it directly.
public final class Executor: Sendable {
    public let catalog: ToolCatalog
    private let runner: any ToolRunner
    private let profiles: any ProfileSource
    private let hooks: PipelineHooks
    private let slots: RunSlots
    private let logger: Logger

    /// Checks up front that every profile the catalog names exists, so a
    /// typo in the catalog stops the daemon at start, not at the first call.
    public init(catalog: ToolCatalog, runner: any ToolRunner, profiles: any ProfileSource,
                hooks: PipelineHooks = .failClosed, execution: ExecutionSettings = ExecutionSettings(),
                logger: Logger = Logger(label: "airlock.executor")) throws {
        for tool in catalog.tools {
            do {
                _ = try profiles.limits(ofProfile: tool.profile)
            } catch let error as AirlockError {
                throw AirlockError(error.code, "tool '\(tool.name)': \(error.message)")
            }
        }
        self.catalog = catalog
        self.runner = runner
        self.profiles = profiles
        self.hooks = hooks
        self.slots = RunSlots(capacity: execution.maxRunning, queueLimit: execution.maxQueued,
                              queueTimeoutSeconds: execution.queueTimeoutSeconds)
        self.logger = logger
    }

    /// Sandboxes running right now (for status and tests).
    public var slotsInUse: Int { get async { await slots.usage.running } }

    /// Runs one call through the pipeline. Never throws: every failure is a
    /// `.refused` outcome carrying a message for the agent.
    public func execute(_ call: ToolCall, progress: ProgressReporter = .silent) async -> CallOutcome {
        var logger = self.logger
        logger[metadataKey: "call_id"] = "\(call.id)"
        logger[metadataKey: "tool"] = "\(call.tool)"
        logger[metadataKey: "actor"] = "\(call.actor.name)"
        var decision: Decision?
        let validation = Result { try validate(call) }
        let trail = CallAuditTrail(call: call, sink: hooks.audit, malformed: (try? validation.get()) == nil)
        do {
            try await trail.append(.callReceived, Self.claimFields(call.claims))
            let (tool, _) = try validation.get()

            progress.report("checking policy")
            decision = try await hooks.policy.decide(call, tool: tool)
            let verdict = decision!
            try await trail.append(.policyDecided, AuditFields.decision(verdict))
            var approved = call
            var approvalID: String?
            switch verdict.effect {
            case .allow:
                break
            case .deny:
                throw AirlockError(.policyDenied, Self.denialMessage(verdict))
            case .review:
                progress.report("waiting for approval")
                // The approval binds the profile's contents, not only its name.
                var bound = tool
                bound.profileDigest = try profiles.digest(ofProfile: tool.profile)
                switch try await hooks.approvals.requestApproval(for: call, tool: bound, decision: verdict, progress: progress) {
                case .pending(let id):
                    logger.info("call pending approval", metadata: ["approval_id": "\(id)"])
                    return .pending(approvalID: id, decision: verdict)
                case .approved(let id, let stored):
                    approvalID = id
                    approved = stored
                }
            }
            let runCall = approved, runApproval = approvalID, runLogger = logger
            let result = try await hooks.reportingRunEnd(of: runApproval) {
                // The stored action is what runs; check it like a fresh one.
                let (runTool, launch) = try self.validate(runCall)
                if await self.slots.usage.running >= self.slots.capacity { progress.report("waiting for a free sandbox") }
                return try await self.slots.withSlot {
                    try await self.run(runCall, tool: runTool, launch: launch, approvalID: runApproval,
                                       callTrail: trail, progress: progress, logger: runLogger)
                }
            }
            return .completed(result)
        } catch {
            let refusal = Self.airlockError(error)
            logger.notice("call refused", metadata: ["code": "\(refusal.code.rawValue)", "reason": "\(refusal.message)"])
            var fields: [String: JSONValue] = ["code": .string(refusal.code.rawValue), "message": .string(refusal.message)]
            if let decision { fields.merge(AuditFields.decision(decision)) { _, new in new } }
            do {
                try await trail.append(.callRefused, fields)
            } catch {
                logger.error("could not audit a refusal", metadata: ["error": "\(error)"])
            }
            return .refused(refusal, decision: decision)
        }
    }

    /// Looks the tool up, validates the arguments against its schema and
    /// renders the launch. Throws `unknownTool` / `invalidArguments`.
    public func validate(_ call: ToolCall) throws -> (ToolDefinition, PreparedLaunch) {
        guard let tool = catalog[call.tool] else {
            let names = catalog.tools.map(\.name).joined(separator: ", ")
            // The name is the caller's text, up to a frame's size: quoted in
            // part (the audit record keeps a masked, bounded copy).
            let shown = call.tool.count > 80 ? "\(call.tool.prefix(80))… (\(call.tool.utf8.count) bytes)" : call.tool
            throw AirlockError(.unknownTool, "unknown tool '\(shown)'; this daemon offers: \(names)")
        }
        let violations = tool.inputSchema.violations(of: .object(call.arguments))
        guard violations.isEmpty else {
            throw AirlockError(.invalidArguments, "invalid arguments for '\(tool.name)': "
                + violations.map(\.description).joined(separator: "; "))
        }
        return (tool, try PreparedLaunch(tool: tool, arguments: call.arguments))
    }

    private func run(_ call: ToolCall, tool: ToolDefinition, launch: PreparedLaunch, approvalID: String?,
                     callTrail: CallAuditTrail, progress: ProgressReporter, logger: Logger) async throws -> RunResult {
        let limits = tool.limits.tightening(try profiles.limits(ofProfile: tool.profile))
        let credentials = try await hooks.credentials.issue(for: call, tool: tool, approvalID: approvalID, limits: limits)
        var retired = false
        defer { if !retired { Task { [hooks] in await hooks.credentials.retire(credentials, call: call) } } }
        let trail = approvalID == nil ? callTrail : CallAuditTrail(call: call, sink: hooks.audit)
        if let jti = credentials.tokenID {
            try await trail.append(.credentialIssued, AuditFields.credential(jti: jti))
        }
        let request = launch.request(limits: limits, credentials: credentials)
        var started: [String: JSONValue] = [
            "profile": .string(tool.profile), "argv": .array(request.argv.map(JSONValue.string)),
            "limits": try JSONValueEncoder.encode(limits),
        ]
        if let approvalID { started["approval_id"] = .string(approvalID) }
        try await trail.append(.runStarted, started)

        try Task.checkCancellation()
        progress.report("running")
        logger.debug("launching", metadata: ["profile": "\(tool.profile)"])
        let raw = try await runner.run(request, profile: tool.profile)
        await hooks.credentials.retire(credentials, call: call)
        retired = true
        let result = try await HeavyWork.run(if: HeavyWork.isHeavy(raw)) {
            let result = Self.masking(credentials.maskedValues, in: raw)
            try await trail.append(.runFinished, AuditedOutput.fields(for: result))
            return result
        }
        // Debug, not info: the audit trail is the record of every call; the
        // log is for the daemon's own operation and stays quiet per call.
        logger.debug("call finished", metadata: [
            "termination": "\(result.termination.rawValue)", "status": "\(result.shellStatus)",
            "wall_ms": "\(Int(result.wallSeconds * 1000))",
        ])
        return result
    }

    /// Replaces every injected secret and the action token in what the run
    /// reports — verbatim or base64/hex/percent/JSON-encoded, the way a tool
    /// that prints its credential usually shows it — so it never reaches
    /// the agent or the audit record: the captured output, and the paths
    /// and addresses the recorder read from the sandbox's memory (a tool
    /// whose socket or file path holds its credential shows it there).
    static func masking(_ secrets: [ResolvedSecret], in result: RunResult) -> RunResult {
        let masker = SecretMasker(secrets)
        guard !masker.isEmpty else { return result }
        var masked = result
        masked.stdout.text = masker.mask(masked.stdout.text)
        masked.stderr.text = masker.mask(masked.stderr.text)
        func records(_ list: [SyscallRecord]) -> [SyscallRecord] {
            list.map { record in
                var record = record
                record.path = record.path.map(masker.mask)
                record.address = record.address.map(masker.mask)
                return record
            }
        }
        masked.deniedSyscalls = records(masked.deniedSyscalls)
        masked.recordedSyscalls = records(masked.recordedSyscalls)
        return masked
    }

    /// "denied by rule X: reason" lines, which is what a model needs to
    /// change course (which rule, why).
    static func denialMessage(_ decision: Decision) -> String {
        let rules = decision.ruleIDs.isEmpty ? "the default-deny policy" : "rule " + decision.ruleIDs.joined(separator: ", ")
        let reasons = decision.reasons.isEmpty ? "no rule permits this call" : decision.reasons.joined(separator: "; ")
        return "denied by \(rules): \(reasons)"
    }

    static func claimFields(_ claims: CallClaims) -> [String: JSONValue] {
        claims.extra.isEmpty ? [:] : ["meta": .object(claims.extra)]
    }

    static func airlockError(_ error: any Error) -> AirlockError {
        switch error {
        case let error as AirlockError: return error
        case is CancellationError: return AirlockError(.cancelled, "the call was cancelled")
        default: return AirlockError(.internalError, "\(error)")
        }
    }
}
