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
    /// How many bytes at the start of `pending` are known to hold no
    /// newline: a long line arriving in small pieces is scanned once, not
    /// once per piece (which would cost the square of its length).
    private var searched = 0
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
        var consumedLine = false
        var skip = searched
        while let newline = pending!.readableBytesView.dropFirst(skip).firstIndex(of: UInt8(ascii: "\n")) {
            consumedLine = true
            skip = 0
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
        // Whatever is left has been searched through.
        searched = pending!.readableBytes
        if pending!.readableBytes == 0 {
            pending = nil
            stallTimer?.cancel()
            stallTimer = nil
        } else {
            pending!.discardReadBytes()
            // The timer measures how long the current partial line has
            // waited for its newline: a client that streams complete
            // messages, each write also starting the next one, is never
            // stalled however long it keeps going.
            if consumedLine {
                stallTimer?.cancel()
                stallTimer = nil
            }
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
    /// read) as the connection's final reply; whatever the client still
    /// sends is discarded.
    private func reject(_ context: ChannelHandlerContext, _ message: String, code: Int = JSONRPCErrorCode.invalidRequest) {
        rejecting = true
        pending = nil
        stallTimer?.cancel()
        stallTimer = nil
        FinalReply.send(JSONRPCFrame.error(JSONRPCFailure(code, message + "; closing the connection")), on: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stallTimer?.cancel()
        stallTimer = nil
        context.fireChannelInactive()
    }
}
