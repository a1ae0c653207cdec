import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP server on 127.0.0.1 that records every request and answers
/// with scripted status codes (then 200), standing in for Slack. Shared by
/// the approvals module's tests and the composed-daemon tests.
public final class WebhookReceiver: Sendable {
    public struct Request: Sendable {
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: Data
    }

    public let port: Int
    private let requests = Mutex<[Request]>([])
    private let statuses: Mutex<[Int]>
    private let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>

    public var received: [Request] { requests.withLock { $0 } }

    private init(server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 statuses: [Int]) throws {
        self.server = server
        self.statuses = Mutex(statuses)
        guard let port = server.channel.localAddress?.port else { throw ChannelError.inappropriateOperationForState }
        self.port = port
    }

    public static func start(statuses: [Int] = []) async throws -> WebhookReceiver {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let receiver = try WebhookReceiver(server: server, statuses: statuses)
        Task { try await receiver.serve() }
        return receiver
    }

    /// Closes the listening socket: later deliveries find nobody there.
    public func stop() async throws {
        try await server.channel.close()
    }

    public var url: String { "http://127.0.0.1:\(port)/hooks/airlock" }

    private func serve() async throws {
        try await server.executeThenClose { connections in
            for try await connection in connections {
                try? await handle(connection)
            }
        }
    }

    private func handle(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = Data()
            for try await part in inbound {
                switch part {
                case .head(let requestHead): head = requestHead
                case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
                case .end:
                    guard let head else { return }
                    var headers: [String: String] = [:]
                    for (name, value) in head.headers { headers[name.lowercased()] = value }
                    requests.withLock { $0.append(Request(path: head.uri, headers: headers, body: body)) }
                    let status = statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
                    let responseHeaders: HTTPHeaders = ["Content-Length": "0", "Connection": "close"]
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1,
                                                                    status: HTTPResponseStatus(statusCode: status),
                                                                    headers: responseHeaders)))
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }
}
