import NIOCore
import Synchronization

/// The last frame a connection gets: written, then the write side is shut
/// so the client reads the frame and an EOF. Closing at once would make the
/// kernel reset the connection when the client's unread bytes are still
/// queued here, and the client would never see why. Whatever it still
/// sends is the caller's to discard; the connection is closed when the
/// client hangs up or after `lingerTimeout`.
///
/// Lingering holds a descriptor, and refusals come as fast as a client can
/// connect: at most `maxLingering` connections linger at once, past that
/// a final reply closes the connection as soon as it is written.
enum FinalReply {
    /// How long a refused client may keep sending before it is cut off.
    static let lingerTimeout = TimeAmount.seconds(2)
    static let maxLingering = 64
    private static let lingering = Atomic<Int>(0)

    static func send(_ frame: String, on context: ChannelHandlerContext) {
        let lingers = lingering.add(1, ordering: .relaxed).newValue <= maxLingering
        if !lingers { lingering.subtract(1, ordering: .relaxed) }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: frame))).assumeIsolated().whenComplete { _ in
            context.close(mode: lingers ? .output : .all, promise: nil)
        }
        guard lingers else { return }
        context.channel.closeFuture.whenComplete { _ in lingering.subtract(1, ordering: .relaxed) }
        context.eventLoop.assumeIsolated().scheduleTask(in: lingerTimeout) {
            context.close(promise: nil)
        }
    }
}
