import NIOCore

/// Answers a connection the daemon will not serve (a cap is reached, or a
/// peer the config does not map) with one error and closes it, once it is
/// active (a channel cannot be written before that). Used by both sockets:
/// a refused connection holds no slot and costs the daemon nothing after
/// its one reply.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let code: Int
    private let reason: String

    init(code: Int = JSONRPCErrorCode.busy, reason: String) {
        self.code = code
        self.reason = reason
    }

    func channelActive(context: ChannelHandlerContext) {
        FinalReply.send(JSONRPCFrame.error(JSONRPCFailure(code, reason)), on: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
