import NIOCore

/// Splits the byte stream into newline-terminated frames (MCP's stdio
/// framing) and protects the daemon from the two ways a client can abuse
/// framing: a line longer than the frame limit (the client gets an error
/// and is disconnected, since the rest of its line cannot be trusted), and
/// half a line that never ends (disconnected after the partial-line
/// timeout). A connection that is idle between messages is left alone.
final class LineFramingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let frameLimit: Int
    private let partialLineTimeout: TimeAmount
    private var pending: ByteBuffer?
    private var stallTimer: Scheduled<Void>?
    private var rejecting = false

    init(frameLimit: Int, partialLineTimeout: TimeAmount) {
        self.frameLimit = frameLimit
        self.partialLineTimeout = partialLineTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !rejecting else { return }
        var incoming = unwrapInboundIn(data)
        if pending == nil {
            pending = incoming
        } else {
            pending!.writeBuffer(&incoming)
        }
        while let newline = pending!.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending!.readerIndex
            var line = pending!.readSlice(length: length)!
            pending!.moveReaderIndex(forwardBy: 1)
            if line.readableBytes > frameLimit {
                reject(context, "message of \(line.readableBytes) bytes exceeds the \(frameLimit)-byte frame limit")
                return
            }
            if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
            if line.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            context.fireChannelRead(wrapInboundOut(line))
            if rejecting { return }
        }
        if pending!.readableBytes > frameLimit {
            reject(context, "message exceeds the \(frameLimit)-byte frame limit without a newline")
            return
        }
        if pending!.readableBytes == 0 {
            pending = nil
            stallTimer?.cancel()
            stallTimer = nil
        } else {
            pending!.discardReadBytes()
            armStallTimer(context)
        }
    }

    private func armStallTimer(_ context: ChannelHandlerContext) {
        guard stallTimer == nil else { return }
        let seconds = Double(partialLineTimeout.nanoseconds) / 1e9
        stallTimer = context.eventLoop.assumeIsolated().scheduleTask(in: partialLineTimeout) { [self] in
            stallTimer = nil
            guard let pending, pending.readableBytes > 0 else { return }
            reject(context, "incomplete message: no newline within \(seconds) s", code: JSONRPCErrorCode.parseError)
        }
    }

    /// Answers with a JSON-RPC error (id null: the request could not be
    /// read), then shuts the write side so the client reads the error and
    /// an EOF. Closing at once would make the kernel reset the connection
    /// (the client's unread bytes are still queued here) and the client
    /// would never see why. Whatever it still sends is discarded; the
    /// connection is closed when it hangs up or after `lingerTimeout`.
    private func reject(_ context: ChannelHandlerContext, _ message: String, code: Int = JSONRPCErrorCode.invalidRequest) {
        rejecting = true
        pending = nil
        stallTimer?.cancel()
        stallTimer = nil
        let frame = JSONRPCFrame.error(JSONRPCFailure(code, message + "; closing the connection"))
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: frame))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTimeout) {
            context.close(promise: nil)
        }
    }

    /// How long a rejected client may keep sending before it is cut off.
    static let lingerTimeout = TimeAmount.seconds(2)

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
        context.fireChannelInactive()
    }
}
