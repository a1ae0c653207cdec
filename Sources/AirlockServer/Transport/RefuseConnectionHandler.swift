import NIOCore

/// Answers a connection the daemon will not serve (a cap is reached) with
/// one busy error and closes it, once it is active (a channel cannot be
/// written before that). Used by both sockets: a refused connection must
/// cost the daemon nothing after its one reply.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let reason: String

    init(reason: String) { self.reason = reason }

    func channelActive(context: ChannelHandlerContext) {
        FinalReply.send(JSONRPCFrame.error(JSONRPCFailure(JSONRPCErrorCode.busy, reason)), on: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
