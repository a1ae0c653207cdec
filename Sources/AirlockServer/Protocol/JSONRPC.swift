import AirlockCore
import NIOCore

/// JSON-RPC 2.0 error codes used on the agent socket.
public enum JSONRPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// Server-defined: the connection's peer is not a configured actor.
    public static let forbidden = -32001
    /// Server-defined: too many calls at once on this connection or daemon.
    public static let busy = -32002
}

/// One inbound JSON-RPC message after shape checks.
enum JSONRPCMessage {
    case request(id: JSONValue, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    /// A response to something we sent; the agent socket never sends
    /// requests, so these are dropped.
    case response

    /// Classifies a parsed line, or throws the error reply the sender gets.
    init(_ value: JSONValue) throws(JSONRPCFailure) {
        guard case .object(let object) = value else {
            if case .array = value {
                throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "batch requests are not supported (MCP sends one JSON-RPC object per line)")
            }
            throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "a JSON-RPC message must be a JSON object, got \(value.typeName)")
        }
        var id: JSONValue?
        if let raw = object["id"] {
            guard let canonical = Self.canonicalID(raw) else {
                throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "'id' must be a string or an integer", id: .null)
            }
            id = canonical
        }
        guard object["jsonrpc"] == .string("2.0") else {
            throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "'jsonrpc' must be \"2.0\"", id: id ?? .null)
        }
        guard let methodValue = object["method"] else {
            if id != nil, object["result"] != nil || object["error"] != nil {
                self = .response
                return
            }
            throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "missing 'method'", id: id ?? .null)
        }
        guard case .string(let method) = methodValue else {
            throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "'method' must be a string", id: id ?? .null)
        }
        let params = object["params"]
        if let params, params.objectValue == nil, params.arrayValue == nil {
            throw JSONRPCFailure(JSONRPCErrorCode.invalidRequest, "'params' must be an object or an array", id: id ?? .null)
        }
        if let id {
            self = .request(id: id, method: method, params: params)
        } else {
            self = .notification(method: method, params: params)
        }
    }

    /// MCP: ids are strings or integers, never null: the id as the server
    /// keys it, or nil when it is not one. A whole number written as a
    /// float (`7.0`) is the integer: as two keys, `7` and `7.0` would run as
    /// two calls that both answer `"id":7`, and a cancel of one would miss
    /// the other. The same holds for progress tokens and cancel targets.
    static func canonicalID(_ id: JSONValue) -> JSONValue? {
        switch id {
        case .string, .int: id
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: .int(Int64(d))
        default: nil
        }
    }
}

/// An error reply: code, message, and the id it answers (null when the
/// request's id could not be read).
struct JSONRPCFailure: Error {
    var code: Int
    var message: String
    var id: JSONValue
    var data: JSONValue?

    init(_ code: Int, _ message: String, id: JSONValue = .null, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.id = id
        self.data = data
    }
}

/// Builds the newline-terminated frames the server sends.
enum JSONRPCFrame {
    static func result(id: JSONValue, _ result: JSONValue) -> String {
        line(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func error(_ failure: JSONRPCFailure) -> String {
        var error: [String: JSONValue] = ["code": .int(Int64(failure.code)), "message": .string(failure.message)]
        if let data = failure.data { error["data"] = data }
        return line(["jsonrpc": "2.0", "id": failure.id, "error": .object(error)])
    }

    static func notification(method: String, params: JSONValue) -> String {
        line(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// Escaped JSON never contains a raw newline, so one value is one line.
    static func line(_ object: [String: JSONValue]) -> String {
        String(decoding: JSONLineWriter.line(.object(object)), as: UTF8.self)
    }

    static func buffer(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(string: text)
    }
}
