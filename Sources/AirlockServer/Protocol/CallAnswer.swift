import Synchronization
import NIOCore

/// How a running call's answer leaves, for every call path (`tools/call`,
/// `airlock/approvals/wait`): off the registry and onto the wire in one
/// step on the connection's event loop, so no event of the connection runs
/// in between; and once a client that has stopped sending (half-closed)
/// has no call left, the connection closes after that last write.
struct CallAnswer: Sendable {
    let channel: any Channel
    let registry: CallRegistry
    let inputClosed: InputClosedFlag

    /// Runs on the channel's event loop (the connection's call executor).
    /// A call the client cancelled gets no answer, as MCP says.
    func send(_ frame: String, for key: CallRegistry.Key) {
        guard !registry.finish(key) else {
            closeIfDone(key.connection)
            return
        }
        channel.writeAndFlush(channel.allocator.buffer(string: frame)).whenComplete { _ in closeIfDone(key.connection) }
    }

    /// Closes a half-closed connection with no call left.
    func closeIfDone(_ connection: UInt64) {
        if inputClosed.value && registry.count(on: connection) == 0 { channel.close(promise: nil) }
    }
}

/// Whether a connection's client shut down its sending side, shared with
/// the tasks that answer its calls.
final class InputClosedFlag: Sendable {
    private let state = Atomic<Bool>(false)
    var value: Bool { state.load(ordering: .acquiring) }
    func set() { state.store(true, ordering: .releasing) }
}
