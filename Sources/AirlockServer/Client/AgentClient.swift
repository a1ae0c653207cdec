import AirlockCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A JSON-RPC error the daemon answered with.
public struct AgentClientError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var description: String { "\(message) (JSON-RPC \(code))" }
}

/// A small blocking client for the agent socket, used by `airlock tools`,
/// `airlock call`, the benchmark and the tests. One request at a time;
/// notifications that arrive while waiting are passed to `onNotification`.
public final class AgentClient {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 0
    public var onNotification: ((JSONValue) -> Void)?

    /// The environment variable naming one more uid a daemon may run as
    /// (besides root and the client's own uid).
    public static let serverUIDVariable = "AIRLOCK_SERVER_UID"

    /// Who may be serving a socket this client sends to: root, the
    /// client's own uid, and `$AIRLOCK_SERVER_UID` when set. Anyone else
    /// listening there (a socket planted in a directory another user could
    /// write) would receive the calls and could answer them with forged
    /// results.
    public static var trustedServerUIDs: Set<UInt32> {
        var uids: Set<UInt32> = [0, getuid()]
        if let text = getenv(serverUIDVariable).map({ String(cString: $0) }), let uid = UInt32(text) { uids.insert(uid) }
        return uids
    }

    /// Connects; throws `notFound` with the path when no daemon listens,
    /// and `forbidden` when the process serving the socket runs as a uid
    /// outside `trustedServers` (nothing is sent to it).
    ///
    /// Every failure below leaves the descriptor to `deinit`: once `fd` is
    /// set, a throwing init still runs it, and a close here as well would
    /// close a number another thread may already have been given again.
    /// `hint` ends a connection failure's message: how to point the caller at the socket.
    public init(socketPath: String, trustedServers: Set<UInt32> = AgentClient.trustedServerUIDs,
                hint: String = "start airlockd, or pass --socket / set AIRLOCK_SOCKET") throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AirlockError(.internalError, "socket(): \(String(cString: strerror(errno)))") }
        guard let address = UnixAddress(socketPath) else {
            throw AirlockError(.invalidConfig, "socket path too long: \(socketPath)")
        }
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            let reason = String(cString: strerror(errno))
            throw AirlockError(.notFound, "cannot connect to the Airlock daemon at \(socketPath): \(reason) (\(hint))")
        }
        guard let server = PeerCredentials.ofConnectedSocket(fd), trustedServers.contains(server.uid) else {
            let who = PeerCredentials.ofConnectedSocket(fd).map { "uid \($0.uid)" } ?? "an unknown uid"
            throw AirlockError(.forbidden, "\(socketPath) is served by \(who), not by root or uid \(getuid()); "
                + "refusing to send it anything (if airlockd runs as that uid, set \(Self.serverUIDVariable))")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The MCP handshake: `initialize` then `notifications/initialized`.
    @discardableResult
    public func initialize(clientName: String = "airlock-cli") throws -> JSONValue {
        let result = try request("initialize", params: [
            "protocolVersion": "2025-06-18", "capabilities": .object([:]),
            "clientInfo": ["name": .string(clientName), "version": "0.1.0"],
        ])
        try send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        return result
    }

    /// Sends a request and waits for its response; returns `result` or
    /// throws the JSON-RPC error.
    public func request(_ method: String, params: JSONValue? = nil) throws -> JSONValue {
        nextID += 1
        let id = JSONValue.int(nextID)
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if let params { message["params"] = params }
        try send(.object(message))
        while true {
            guard let line = try readLine() else {
                throw AirlockError(.internalError, "the daemon closed the connection before answering \(method)")
            }
            let reply = try CanonicalJSON.parse(line)
            if reply["id"] == nil, reply["method"] != nil {
                onNotification?(reply)
                continue
            }
            // An error without an id (a refused peer, a full server, a frame
            // over the limit, unparsable input) answers whatever is in
            // flight: it is the reason the daemon is about to hang up.
            let orphanError = reply["id"] == .null && reply["error"] != nil
            guard reply["id"] == id || orphanError else { continue }
            if let error = reply["error"] {
                throw AgentClientError(code: Int(error["code"]?.intValue ?? 0), message: error["message"]?.stringValue ?? "")
            }
            return reply["result"] ?? .null
        }
    }

    public func send(_ message: JSONValue) throws {
        try write(Data((CanonicalJSON.encode(message) + "\n").utf8))
    }

    /// Writes raw bytes (the stdio bridge and protocol tests use this).
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                // MSG_NOSIGNAL: a daemon that hung up is an error here, not a SIGPIPE.
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AirlockError(.internalError, "write to daemon: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// The next line from the daemon (without its newline), nil at EOF.
    /// Only newly read bytes are searched for the newline, so a reply of
    /// megabytes costs one pass, not one pass per chunk.
    public func readLine() throws -> Data? {
        var searchFrom = 0
        while true {
            if let newline = buffer[buffer.startIndex.advanced(by: searchFrom)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            searchFrom = buffer.count
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AirlockError(.internalError, "read from daemon: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}
