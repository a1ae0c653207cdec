import AirlockCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 POST over a fresh connection, built from NIO's HTTP codec
/// directly: a webhook needs a status code back, not a full HTTP client.
enum WebhookHTTPPoster {
    /// POSTs `body` and returns the response status code. Throws on connect,
    /// I/O or timeout failure.
    static func post(to target: WebhookTarget, body: Data, headers extra: [(String, String)],
                     timeout: Duration) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await exchange(target: target, body: body, headers: extra, timeout: timeout) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw AirlockError(.busy, "\(target) did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let status = try await group.next() else {
                throw AirlockError(.internalError, "webhook post produced no result")
            }
            return status
        }
    }

    private static func exchange(target: WebhookTarget, body: Data, headers extra: [(String, String)],
                                 timeout: Duration) async throws -> Int {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                    + Int64(timeout.components.attoseconds / 1_000_000_000)))
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "User-Agent", value: "airlock-webhook/1")
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.requestPath, headers: headers)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: Int?
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body: continue
                case .end:
                    if let status { return status }
                }
            }
            throw AirlockError(.internalError, "\(target) closed the connection without a response")
        }
    }
}
