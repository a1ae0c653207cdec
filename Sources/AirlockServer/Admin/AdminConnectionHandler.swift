import AirlockCore
import Approvals
import Logging
import NIOCore

/// Speaks the admin protocol on one connection: newline-delimited JSON-RPC
/// 2.0 requests in, replies and `approvals/changed` notifications out.
///
/// The approver is the connecting uid the kernel reported when the
/// connection was accepted; no message field can change it. Each request
/// runs as a task (the store is async and must not block the event loop)
/// that finishes even if the client hangs up, so a review that was sent is
/// either recorded whole or not at all, never cut off between the commit
/// and waking the waiting call. A `watch` is the one task that ends with
/// the connection.
final class AdminConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let methods: AdminMethods
    private let peer: PeerCredentials
    private let logger: Logger
    /// The connection's `approvals/watch`, if any; only touched on the event loop.
    private var watch: Task<Void, Never>?

    init(store: ApprovalStore, peer: PeerCredentials, logger: Logger) {
        self.methods = AdminMethods(store: store)
        self.peer = peer
        var logger = logger
        logger[metadataKey: "peer_uid"] = "\(peer.uid)"
        logger[metadataKey: "peer_pid"] = "\(peer.pid)"
        self.logger = logger
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            switch try MCPConnectionHandler.decode(unwrapInboundIn(data)) {
            case .response, .notification:
                // Nothing the admin socket listens for; notifications get no reply.
                return
            case .request(let id, let method, let params):
                handleRequest(context, id: id, method: method, params: params)
            }
        } catch {
            send(context, JSONRPCFrame.error(error))
        }
    }

    private func handleRequest(_ context: ChannelHandlerContext, id: JSONValue, method: String, params: JSONValue?) {
        let channel = context.channel
        switch method {
        case "ping":
            send(context, JSONRPCFrame.result(id: id, .object([:])))
        case "approvals/watch":
            guard watch == nil else {
                send(context, JSONRPCFrame.error(JSONRPCFailure(
                    JSONRPCErrorCode.invalidRequest, "this connection is already watching; open another to watch twice", id: id)))
                return
            }
            let store = methods.store
            watch = Task { await AdminWatch.run(id: id, store: store, channel: channel) }
        case _ where AdminMethods.names.contains(method):
            let methods = self.methods, uid = peer.uid, logger = self.logger
            Task {
                let frame: String
                do {
                    let result = try await methods.handle(method, params: params, peerUID: uid) ?? .null
                    frame = JSONRPCFrame.result(id: id, result)
                    if method == "approvals/approve" || method == "approvals/deny" {
                        logger.notice("approval reviewed", metadata: [
                            "method": "\(method)", "approval_id": "\(result["approval"]?["id"]?.stringValue ?? "")",
                            "state": "\(result["approval"]?["state"]?.stringValue ?? "")",
                        ])
                    }
                } catch {
                    logger.info("admin request refused", metadata: ["method": "\(method)", "reason": "\(error)"])
                    frame = JSONRPCFrame.error(.mapping(error, id: id))
                }
                channel.writeAndFlush(channel.allocator.buffer(string: frame), promise: nil)
            }
        default:
            send(context, JSONRPCFrame.error(JSONRPCFailure(
                JSONRPCErrorCode.methodNotFound,
                "method '\(method)' is not supported; the admin socket implements ping, "
                    + AdminMethods.names.joined(separator: ", "), id: id)))
        }
    }

    private func send(_ context: ChannelHandlerContext, _ frame: String) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: frame)), promise: nil)
    }
}
