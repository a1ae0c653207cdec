import AirlockCore
import Approvals
import Executor
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The approver side: a second Unix socket, separate from the agent socket
/// (its own path, mode and group, default 0600), where humans list, inspect,
/// approve and deny pending actions and watch new ones arrive.
///
/// Who approves is the uid the kernel reports for the connection
/// (SO_PEERCRED), matched against the configured approvers by the store;
/// a message can name an approval, never an approver. The socket's mode is
/// what guards reading the queue (what is shown is the masked arguments).
///
/// The daemon's composition root creates it with the same `ApprovalStore`
/// as the approval gate (so decisions wake waiting calls at once), calls
/// `start()` after the agent socket is up and `shutdown()` on SIGTERM.
public final class AdminServer: Sendable {
    private let store: ApprovalStore
    private let settings: ServerSettings
    private let logger: Logger
    private let threads: Int
    private let connections = ConnectionTracker()
    private let running = Mutex<(group: MultiThreadedEventLoopGroup, channel: any Channel, path: String)?>(nil)

    public init(store: ApprovalStore, settings: ServerSettings = .adminDefaults,
                logger: Logger = Logger(label: "airlock.admin"), threads: Int = 1) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.threads = max(1, threads)
    }

    /// The path being served, once started.
    public var socketPath: String? { running.withLock { $0?.path } }

    /// Binds the socket (replacing a stale file, never a live server's),
    /// applies mode and group, and starts accepting.
    public func start() async throws {
        guard socketPath == nil else { throw AirlockError(.conflict, "the admin socket is already being served") }
        let path = settings.socketPath ?? DefaultPaths.adminSocket
        try SocketFile.prepare(path)
        let store = self.store, settings = self.settings, logger = self.logger, connections = self.connections
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 256 << 10))
            .childChannelInitializer { channel in
                Self.initialize(channel, store: store, settings: settings, logger: logger, connections: connections)
            }
        let channel: any Channel
        do {
            // Never a socket up with a mode wider than configured, even for a moment.
            let listening = try SocketFile.listen(path, mode: settings.socketMode, group: settings.socketGroup, backlog: 64)
            do {
                channel = try await bootstrap.withBoundSocket(listening).get()
            } catch {
                close(listening)
                _ = path.withCString { unlink($0) }
                throw error
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error as? AirlockError ?? AirlockError(.setupFailed, "cannot listen on \(path): \(error)")
        }
        running.withLock { $0 = (group, channel, path) }
        logger.info("admin socket listening", metadata: ["socket": "\(path)", "mode": "\(String(settings.socketMode, radix: 8))"])
    }

    private static func initialize(_ channel: any Channel, store: ApprovalStore, settings: ServerSettings, logger: Logger,
                                   connections: ConnectionTracker) -> EventLoopFuture<Void> {
        let seconds: (Double) -> TimeAmount = { .nanoseconds(Int64($0 * 1e9)) }
        // Without the peer's credentials there is no approver: the
        // connection fails (and closes) rather than serving anonymously.
        return PeerCredentials.of(channel).flatMapThrowing { peer in
            guard try connections.admit(channel, uid: peer.uid, settings: settings, socketName: "the admin socket",
                                        logger: logger) != nil else { return }
            try channel.pipeline.syncOperations.addHandlers([
                OutboundBudgetHandler(limit: settings.outboundLimitBytes,
                                      slowReaderTimeout: seconds(settings.slowReaderTimeoutSeconds), logger: logger),
                LineFramingHandler(frameLimit: settings.frameLimitBytes,
                                   partialLineTimeout: seconds(settings.partialLineTimeoutSeconds)),
                AdminConnectionHandler(store: store, peer: peer, logger: logger),
            ])
        }
    }

    /// Stops accepting, closes every connection (ending watches) and removes
    /// the socket file. Nothing here is a run, so there is nothing to drain.
    public func shutdown() async {
        let stopping = running.withLock { state -> (group: MultiThreadedEventLoopGroup, channel: any Channel, path: String)? in
            defer { state = nil }
            return state
        }
        guard let stopping else { return }
        let (group, channel, path) = stopping
        try? await channel.close()
        _ = path.withCString { unlink($0) }
        for connection in connections.all { try? await connection.close() }
        try? await group.shutdownGracefully()
        logger.info("admin socket stopped")
    }
}
