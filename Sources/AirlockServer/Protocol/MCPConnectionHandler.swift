import AirlockCore
import Executor
import Foundation
import Logging
import NIOCore
import Synchronization

/// Everything a connection's handler needs that outlives a single message.
struct ConnectionEnvironment: Sendable {
    var executor: Executor
    var registry: CallRegistry
    var settings: ServerSettings
    var logger: Logger
    /// Resumes pending approvals (`airlock/approvals/wait`); nil without an approval flow.
    var approvals: StoreApprovalGate? = nil
}

/// Speaks MCP on one connection: one JSON-RPC message per line in, replies
/// and notifications out. Cheap methods are answered on the event loop;
/// `tools/call` runs as a task (never blocking the loop) and answers by id
/// when it is done, so calls on one connection overlap and may finish out
/// of order.
final class MCPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let environment: ConnectionEnvironment
    private let connectionID: UInt64
    /// The peer's actor (a peer without one is refused before this handler).
    private let actor: Actor
    private var logger: Logger
    /// Where this connection's calls run: its own event loop (made once,
    /// on the first call; a handler stays on one loop).
    private var callExecutor: EventLoopTaskExecutor?

    init(environment: ConnectionEnvironment, connectionID: UInt64, actor: Actor) {
        self.environment = environment
        self.connectionID = connectionID
        self.actor = actor
        var logger = environment.logger
        logger[metadataKey: "connection"] = "\(connectionID)"
        logger[metadataKey: "actor"] = "\(actor.name)"
        logger[metadataKey: "peer_uid"] = "\(actor.uid)"
        logger[metadataKey: "peer_pid"] = "\(actor.pid)"
        self.logger = logger
    }

    /// Where this connection's calls run: its own event loop, so that a
    /// call's answer and the connection's events never interleave.
    private func executor(_ context: ChannelHandlerContext) -> EventLoopTaskExecutor {
        let executor = callExecutor ?? EventLoopTaskExecutor(context.eventLoop)
        callExecutor = executor
        return executor
    }

    private func answer(_ context: ChannelHandlerContext) -> CallAnswer {
        CallAnswer(channel: context.channel, registry: environment.registry, inputClosed: inputClosed)
    }

    func channelInactive(context: ChannelHandlerContext) {
        environment.registry.cancelConnection(connectionID)
        context.fireChannelInactive()
    }

    /// Set once the client has shut down its sending side: it has asked
    /// everything it will, and the connection closes after the last reply.
    private let inputClosed = InputClosedFlag()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Half-closed (`airlock mcp` with its stdin at EOF): the calls
            // still running answer, then the connection closes.
            inputClosed.set()
            answer(context).closeIfDone(connectionID)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        do {
            let message = try Self.decode(line)
            switch message {
            case .response:
                return
            case .notification(let method, let params):
                handleNotification(method, params)
            case .request(let id, let method, let params):
                handleRequest(context, id: id, method: method, params: params)
            }
        } catch {
            send(context, JSONRPCFrame.error(error))
        }
    }

    static func decode(_ line: ByteBuffer) throws(JSONRPCFailure) -> JSONRPCMessage {
        let bytes = line.readableBytesView
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw JSONRPCFailure(JSONRPCErrorCode.parseError, "parse error: the message is not valid UTF-8")
        }
        let value: JSONValue
        do {
            value = try CanonicalJSON.parse(text)
        } catch {
            let detail = (error as? AirlockError)?.message ?? "\(error)"
            throw JSONRPCFailure(JSONRPCErrorCode.parseError, "parse error: \(detail)")
        }
        return try JSONRPCMessage(value)
    }

    // MARK: notifications

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "notifications/cancelled":
            guard let requestID = params?["requestId"].flatMap(JSONRPCMessage.canonicalID) else { return }
            logger.info("client cancelled a call", metadata: [
                "request_id": "\(requestID.canonicalText)", "reason": "\(params?["reason"]?.stringValue ?? "")",
            ])
            environment.registry.cancelByClient(.init(connection: connectionID, request: requestID))
        default:
            // notifications/initialized and anything unknown: nothing to do, and
            // notifications never get replies.
            break
        }
    }

    // MARK: requests

    private func handleRequest(_ context: ChannelHandlerContext, id: JSONValue, method: String, params: JSONValue?) {
        switch method {
        case "initialize":
            send(context, JSONRPCFrame.result(id: id, MCPServerInfo.initializeResult(params: params)))
        case "ping":
            send(context, JSONRPCFrame.result(id: id, .object([:])))
        case "tools/list":
            let tools = environment.executor.catalog.tools.map(\.descriptor)
            send(context, JSONRPCFrame.result(id: id, .object(["tools": .array(tools)])))
        case "tools/call":
            startCall(context, id: id, params: params, actor: actor)
        case ApprovalWaitMethod.name:
            if let frame = ApprovalWaitMethod.start(id: id, params: params, actor: actor, connectionID: connectionID,
                                                    channel: context.channel, environment: environment,
                                                    executor: executor(context), answer: answer(context)) { send(context, frame) }
        default:
            send(context, JSONRPCFrame.error(JSONRPCFailure(
                JSONRPCErrorCode.methodNotFound,
                "method '\(method)' is not supported; this server implements initialize, ping, tools/list, tools/call",
                id: id)))
        }
    }

    private func startCall(_ context: ChannelHandlerContext, id: JSONValue, params: JSONValue?, actor: Actor) {
        let request: ToolCallRequest
        do {
            request = try ToolCallRequest(params)
        } catch {
            send(context, JSONRPCFrame.error(JSONRPCFailure(JSONRPCErrorCode.invalidParams, error.message, id: id)))
            return
        }
        let call = ToolCall(tool: request.name, arguments: request.arguments, actor: actor, claims: request.claims)
        let key = CallRegistry.Key(connection: connectionID, request: id)
        let environment = self.environment
        let progress = request.progressToken.map { ProgressChannel(token: $0, channel: context.channel) }
        let answer = answer(context)
        let result = environment.registry.start(key, uid: actor.uid, limits: environment.settings, on: executor(context)) {
            let heartbeat = progress.map { $0.startHeartbeat(every: environment.settings.progressIntervalSeconds) }
            let outcome = await environment.executor.execute(call, progress: progress?.reporter ?? .silent)
            heartbeat?.cancel()
            progress?.close()
            // Encoded while still registered: a half-closed connection stays
            // open for it. (A call the client cancelled is encoded for nothing.)
            let frame = await HeavyWork.run(if: outcome.result.map(HeavyWork.isHeavy) ?? false) {
                Self.reply(id: id, outcome: outcome, replyLimit: environment.settings.outboundLimitBytes)
            }
            answer.send(frame, for: key)
        }
        if let refusal = result.refusalFrame(id: id, settings: environment.settings) { send(context, refusal) }
    }

    /// An unknown tool is a protocol-level error (-32602, as MCP specifies);
    /// everything else, refusals included, is a `CallToolResult` the model reads.
    static func reply(id: JSONValue, outcome: CallOutcome, replyLimit: Int) -> String {
        if case .refused(let error, _) = outcome, error.code == .unknownTool {
            return JSONRPCFrame.error(JSONRPCFailure(JSONRPCErrorCode.invalidParams, error.message, id: id))
        }
        return JSONRPCFrame.result(id: id, ToolResultEncoding.encode(outcome, replyLimit: replyLimit))
    }

    private func send(_ context: ChannelHandlerContext, _ frame: String) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: frame)), promise: nil)
    }
}

/// The validated `params` of a `tools/call`.
struct ToolCallRequest {
    var name: String
    var arguments: [String: JSONValue]
    var claims: CallClaims
    var progressToken: JSONValue?

    init(_ params: JSONValue?) throws(AirlockError) {
        guard case .object(let params)? = params else {
            throw AirlockError(.invalidArguments, "tools/call needs params {\"name\": TOOL, \"arguments\": {...}}")
        }
        guard case .string(let name)? = params["name"] else {
            throw AirlockError(.invalidArguments, "tools/call params.name must be the tool name (a string)")
        }
        self.name = name
        switch params["arguments"] {
        case nil, .null?: arguments = [:]
        case .object(let object)?: arguments = object
        case let other?: throw AirlockError(.invalidArguments, "tools/call params.arguments must be an object, got \(other.typeName)")
        }
        var claims = CallClaims()
        switch params["_meta"] {
        case nil, .null?: break
        case .object(var meta)?:
            if let token = meta.removeValue(forKey: "progressToken") {
                guard let canonical = JSONRPCMessage.canonicalID(token) else {
                    throw AirlockError(.invalidArguments, "_meta.progressToken must be a string or an integer")
                }
                progressToken = canonical
            }
            for key in ["on_behalf_of", "reason"] {
                guard let value = meta.removeValue(forKey: key), !value.isNull else { continue }
                guard let text = value.stringValue else { throw AirlockError(.invalidArguments, "_meta.\(key) must be a string") }
                if key == "reason" { claims.reason = text } else { claims.onBehalfOf = text }
            }
            claims.extra = meta
        case let other?:
            throw AirlockError(.invalidArguments, "tools/call params._meta must be an object, got \(other.typeName)")
        }
        self.claims = claims
    }
}

/// Sends `notifications/progress` for one call whose client passed a
/// progressToken: stage changes from the pipeline plus a heartbeat while it
/// runs, with a strictly increasing `progress` as MCP requires, and nothing
/// after the call has ended.
final class ProgressChannel: Sendable {
    private let token: JSONValue
    private let channel: any Channel
    private let state = Mutex<(count: Int, open: Bool, started: ContinuousClock.Instant)>((0, true, .now))

    init(token: JSONValue, channel: any Channel) {
        self.token = token
        self.channel = channel
    }

    var reporter: ProgressReporter { ProgressReporter { [self] message in send(message) } }

    func send(_ message: String) {
        // Written under the lock so no notification can be queued behind
        // the call's response once `close()` ran.
        state.withLock { state in
            guard state.open else { return }
            state.count += 1
            let frame = JSONRPCFrame.notification(method: "notifications/progress", params: .object([
                "progressToken": token, "progress": .int(Int64(state.count)), "message": .string(message),
            ]))
            channel.writeAndFlush(channel.allocator.buffer(string: frame), promise: nil)
        }
    }

    func startHeartbeat(every seconds: Double) -> Task<Void, Never> {
        Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                if Task.isCancelled { return }
                let elapsed = state.withLock { ContinuousClock.now - $0.started }
                send("working, \(elapsed.components.seconds) s elapsed")
            }
        }
    }

    func close() { state.withLock { $0.open = false } }
}
