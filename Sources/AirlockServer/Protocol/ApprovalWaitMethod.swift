import AirlockCore
import Executor
import NIOCore

/// `airlock/approvals/wait` on the agent socket: resumes a `tools/call`
/// that ended with status `pending`. Params: `{"approval_id": ID}` and,
/// optionally, `_meta.progressToken`. The reply is the same `CallToolResult`
/// a `tools/call` gives: the run result, the refusal (denied with the
/// approver's reason, expired) as `isError`, or `pending` again.
///
/// Only the actor that requested the approval may resume it (the gate checks
/// the connection's uid and actor name); what runs is the stored call, never
/// arguments sent with this request. The wait is registered like a call, so
/// `notifications/cancelled` and shutdown end it.
enum ApprovalWaitMethod {
    static let name = "airlock/approvals/wait"

    /// Starts the wait; returns a frame to send at once when it cannot start
    /// (bad params, no approval flow, connection busy), nil when started.
    static func start(id: JSONValue, params: JSONValue?, actor: Actor, connectionID: UInt64, channel: any Channel,
                      environment: ConnectionEnvironment, executor: any TaskExecutor, answer: CallAnswer) -> String? {
        guard let gate = environment.approvals else {
            return JSONRPCFrame.error(JSONRPCFailure(
                JSONRPCErrorCode.methodNotFound, "\(name): this daemon has no approval flow configured", id: id))
        }
        guard let approvalID = params?["approval_id"]?.stringValue, !approvalID.isEmpty else {
            return JSONRPCFrame.error(JSONRPCFailure(
                JSONRPCErrorCode.invalidParams, "\(name) needs params {\"approval_id\": ID} (the id a pending tools/call returned)",
                id: id))
        }
        let requestedToken: JSONValue? = params?["_meta"]?["progressToken"]
        let token = requestedToken.flatMap(JSONRPCMessage.canonicalID)
        let progress = token.map { ProgressChannel(token: $0, channel: channel) }
        let key = CallRegistry.Key(connection: connectionID, request: id)
        let started = environment.registry.start(key, uid: actor.uid, limits: environment.settings, on: executor) {
            let heartbeat = progress.map { $0.startHeartbeat(every: environment.settings.progressIntervalSeconds) }
            let frame: String
            do {
                let outcome = try await gate.resumeCall(approvalID: approvalID, actor: actor) { call in
                    await environment.executor.execute(call, progress: progress?.reporter ?? .silent)
                }
                frame = MCPConnectionHandler.reply(id: id, outcome: outcome, replyLimit: environment.settings.outboundLimitBytes)
            } catch {
                frame = JSONRPCFrame.error(.mapping(error, id: id))
            }
            heartbeat?.cancel()
            progress?.close()
            answer.send(frame, for: key)
        }
        return started.refusalFrame(id: id, settings: environment.settings)
    }
}
