import AirlockCore
import Foundation
import Executor
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The agent socket: a SwiftNIO Unix-socket server that puts MCP in front
/// of an `Executor`. Each connection gets its peer identity from the kernel
/// and its own framing and output budget, so one client's misbehaviour
/// (garbage, floods, not reading, stalling) stays that client's problem.
public final class AgentServer: Sendable {
    public let socketPath: String
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let registry: CallRegistry
    private let connections: ConnectionTracker
    private let settings: ServerSettings
    private let logger: Logger

    private init(socketPath: String, group: MultiThreadedEventLoopGroup, serverChannel: any Channel,
                 registry: CallRegistry, connections: ConnectionTracker, settings: ServerSettings, logger: Logger) {
        self.socketPath = socketPath
        self.group = group
        self.serverChannel = serverChannel
        self.registry = registry
        self.connections = connections
        self.settings = settings
        self.logger = logger
    }

    /// Binds the socket (replacing a stale file, never a live daemon's),
    /// applies mode and group, and starts accepting.
    public static func start(settings: ServerSettings, executor: Executor, actors: ActorDirectory,
                             approvals: StoreApprovalGate? = nil, logger: Logger = Logger(label: "airlock.server"),
                             threads: Int = min(2, System.coreCount)) async throws -> AgentServer {
        let path = settings.socketPath ?? DefaultPaths.agentSocket
        try SocketFile.prepare(path)
        let registry = CallRegistry()
        let connections = ConnectionTracker()
        let environment = ConnectionEnvironment(executor: executor, registry: registry, settings: settings, logger: logger,
                                                approvals: approvals)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let bootstrap = ServerBootstrap(group: group)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 256 << 10))
            // A client that has sent everything may shut its side down and
            // still read the replies to come (see MCPConnectionHandler).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                Self.initialize(channel, environment: environment, actors: actors, connections: connections)
            }
        let serverChannel: any Channel
        do {
            let listening = try SocketFile.listen(path, mode: settings.socketMode, group: settings.socketGroup, backlog: 256)
            do {
                serverChannel = try await bootstrap.withBoundSocket(listening).get()
            } catch {
                close(listening)
                unlink(path)
                throw error
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error as? AirlockError ?? AirlockError(.setupFailed, "cannot listen on \(path): \(error)")
        }
        logger.info("listening", metadata: ["socket": "\(path)", "mode": "\(String(settings.socketMode, radix: 8))"])
        return AgentServer(socketPath: path, group: group, serverChannel: serverChannel, registry: registry,
                           connections: connections, settings: settings, logger: logger)
    }

    private static func initialize(_ channel: any Channel, environment: ConnectionEnvironment, actors: ActorDirectory,
                                   connections: ConnectionTracker) -> EventLoopFuture<Void> {
        let settings = environment.settings
        return PeerCredentials.of(channel).flatMapThrowing { peer in
            let actor: Actor
            do {
                actor = try actors.actor(uid: peer.uid, gid: peer.gid, pid: peer.pid)
            } catch let error as AirlockError {
                // An unmapped peer (default actor "refuse") gets one
                // forbidden reply at once and takes no connection slot.
                environment.logger.warning("unmapped peer refused", metadata: ["peer_uid": "\(peer.uid)", "reason": "\(error.message)"])
                return try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler(
                    code: JSONRPCErrorCode.forbidden, reason: error.message + "; closing the connection"))
            }
            guard let id = try connections.admit(channel, uid: peer.uid, settings: settings, socketName: "the daemon",
                                                 logger: environment.logger) else { return }
            let seconds: (Double) -> TimeAmount = { .nanoseconds(Int64($0 * 1e9)) }
            try channel.pipeline.syncOperations.addHandlers([
                OutboundBudgetHandler(limit: settings.outboundLimitBytes,
                                      slowReaderTimeout: seconds(settings.slowReaderTimeoutSeconds),
                                      logger: environment.logger),
                LineFramingHandler(frameLimit: settings.frameLimitBytes,
                                   partialLineTimeout: seconds(settings.partialLineTimeoutSeconds)),
                MCPConnectionHandler(environment: environment, connectionID: id, actor: actor),
            ])
        }
    }

    /// Calls currently running or queued.
    public var callsInFlight: Int { registry.count }

    /// Graceful stop: no new connections or calls, running calls get
    /// `shutdownGraceSeconds`, then they are cancelled (killing their
    /// sandboxes), connections are closed and the socket file removed.
    public func shutdown() async {
        logger.info("shutting down", metadata: ["calls_in_flight": "\(registry.count)"])
        try? await serverChannel.close()
        unlinkSocket()
        await registry.drain(grace: settings.shutdownGraceSeconds)
        for channel in connections.all { try? await channel.close() }
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    private func unlinkSocket() {
        _ = socketPath.withCString { unlink($0) }
    }
}
