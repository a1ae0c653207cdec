import Executor
import Logging
import NIOCore
import Synchronization

/// Open connections, for the connection caps and for closing them at
/// shutdown. Two caps: one for the socket, and one per peer uid below it,
/// so one local user holding connections open cannot lock every other
/// user out of the daemon.
final class ConnectionTracker: Sendable {
    enum Admission: Equatable {
        case admitted(UInt64)
        /// The socket serves its maximum.
        case full
        /// This uid holds its maximum.
        case peerFull
    }

    private struct Open {
        var channel: any Channel
        var uid: UInt32
    }

    private let state = Mutex<(next: UInt64, open: [UInt64: Open])>((0, [:]))

    func add(_ channel: any Channel, uid: UInt32, limit: Int, perUIDLimit: Int) -> Admission {
        state.withLock { state in
            guard state.open.count < limit else { return .full }
            guard state.open.values.count(where: { $0.uid == uid }) < perUIDLimit else { return .peerFull }
            state.next += 1
            state.open[state.next] = Open(channel: channel, uid: uid)
            return .admitted(state.next)
        }
    }

    func remove(_ id: UInt64) { _ = state.withLock { $0.open.removeValue(forKey: id) } }

    var all: [any Channel] { state.withLock { $0.open.values.map(\.channel) } }
}

extension ConnectionTracker {
    /// Admits `channel` under `settings`' caps and returns its id, or
    /// installs the refusal (one busy error, then close) and returns nil.
    /// `socketName` names the socket in the reason ("the daemon", "the
    /// admin socket").
    func admit(_ channel: any Channel, uid: UInt32, settings: ServerSettings, socketName: String,
               logger: Logger) throws -> UInt64? {
        let reason: String
        switch add(channel, uid: uid, limit: settings.maxConnections, perUIDLimit: settings.maxConnectionsPerUID) {
        case .admitted(let id):
            channel.closeFuture.whenComplete { _ in self.remove(id) }
            return id
        case .full:
            reason = "busy: \(socketName) already serves \(settings.maxConnections) connections; retry later"
        case .peerFull:
            reason = "busy: uid \(uid) already holds \(settings.maxConnectionsPerUID) connections to \(socketName); "
                + "close one or retry later"
        }
        logger.warning("connection refused", metadata: ["peer_uid": "\(uid)", "reason": "\(reason)"])
        try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(reason: reason))
        return nil
    }
}
