import NIOCore

/// The last frame a connection gets: written, then the write side is shut
/// so the client reads the frame and an EOF. Closing at once would make the
/// kernel reset the connection (the client's unread bytes are still queued
/// here) and the client would never see why. Whatever it still sends is
/// the caller's to discard; the connection is closed when the client hangs
/// up or after `lingerTimeout`.
enum FinalReply {
    /// How long a refused client may keep sending before it is cut off.
    static let lingerTimeout = TimeAmount.seconds(2)

    static func send(_ frame: String, on context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: frame))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: lingerTimeout) {
            context.close(promise: nil)
        }
    }
}
