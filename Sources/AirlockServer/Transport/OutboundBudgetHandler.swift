import Logging
import NIOCore

/// Bounds what the daemon buffers for a client that does not read its
/// replies. Past `limit` queued bytes, or when the socket stays unwritable
/// for longer than `slowReaderTimeout`, the client is disconnected; its
/// backlog is never allowed to grow the daemon's memory without bound.
final class OutboundBudgetHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limit: Int
    private let slowReaderTimeout: TimeAmount
    private let logger: Logger
    private var queued = 0
    private var unwritableTimer: Scheduled<Void>?
    private var closing = false

    init(limit: Int, slowReaderTimeout: TimeAmount, logger: Logger) {
        self.limit = limit
        self.slowReaderTimeout = slowReaderTimeout
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let size = unwrapOutboundIn(data).readableBytes
        queued += size
        if queued > limit {
            disconnect(context, "client is not reading its replies: more than \(limit) bytes queued")
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let tracked = promise ?? context.eventLoop.makePromise()
        tracked.futureResult.assumeIsolated().whenComplete { [self] _ in queued -= size }
        context.write(data, promise: tracked)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            unwritableTimer?.cancel()
            unwritableTimer = nil
        } else if unwritableTimer == nil {
            unwritableTimer = context.eventLoop.assumeIsolated().scheduleTask(in: slowReaderTimeout) { [self] in
                unwritableTimer = nil
                if !context.channel.isWritable { disconnect(context, "client has not read its replies for too long") }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unwritableTimer?.cancel()
        unwritableTimer = nil
        context.fireChannelInactive()
    }

    private func disconnect(_ context: ChannelHandlerContext, _ reason: String) {
        guard !closing else { return }
        closing = true
        logger.warning("disconnecting client", metadata: ["reason": "\(reason)"])
        context.close(promise: nil)
    }
}
