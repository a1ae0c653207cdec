import AirlockCore
import AirlockServer
import Foundation
import Testing

/// MCP over the real socket: the methods, and every protocol error with its code.
@Suite("agent socket protocol")
struct ServerProtocolTests {
    @Test func initializePingAndToolsList() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (info, ping, tools) = try await blocking {
            let client = try AgentClient(socketPath: path)
            let info = try client.initialize()
            return (info, try client.request("ping"), try client.request("tools/list"))
        }
        #expect(info["protocolVersion"] == "2025-06-18")
        #expect(info["capabilities"]?["tools"] != nil)
        #expect(info["serverInfo"]?["name"] == "airlock")
        #expect(ping == .object([:]))
        let listed = tools["tools"]?.arrayValue ?? []
        #expect(listed.map { $0["name"]?.stringValue ?? "" } == ["argv", "shell", "sleep", "cat"])
        #expect(listed.first?["inputSchema"]?["required"] == ["value"])
        #expect(listed.allSatisfy { $0["command"] == nil && $0["profile"] == nil })
    }

    @Test func toolsCallReturnsOutputAndTheFullResult() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (ok, failed) = try await blocking {
            let client = try AgentClient(socketPath: path)
            return (try client.call("shell", ["command": "echo hello"]), try client.call("shell", ["command": "echo oops >&2; exit 7"]))
        }
        #expect(ok.toolText == "hello\n")
        #expect(ok["isError"] == false)
        #expect(ok["structuredContent"]?["exitCode"] == 0)
        #expect(ok["structuredContent"]?["termination"] == "exited")
        #expect(failed["isError"] == true)
        #expect(failed.toolText == "[stderr]\noops\n[exit status 7]")
        #expect(failed["structuredContent"]?["exitCode"] == 7)
    }

    @Test func injectionAttemptsStayOneInertArgument() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let values = ["; rm -rf /", "$(touch /tmp/airlock-pwned)", "`id`", "--flag=1", "-rf", "a\nb", "' \" \\", "x && y | z"]
        let outputs = try await blocking {
            let client = try AgentClient(socketPath: path)
            return try values.map { try client.call("argv", ["value": .string($0)]) }
        }
        for (value, output) in zip(values, outputs) {
            #expect(output.toolText == "<--><\(value)>", "\(value)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/airlock-pwned"))
        let nul = try await blocking { try AgentClient(socketPath: path).call("argv", ["value": "a\u{0}b"]) }
        #expect(nul["isError"] == true)
        #expect(nul["structuredContent"]?["code"] == "invalid_arguments")
    }

    @Test func refusalsAreToolErrorsTheModelCanRead() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let result = try await blocking { try AgentClient(socketPath: path).call("sleep", ["seconds": "soon"]) }
        #expect(result["isError"] == true)
        #expect(result["structuredContent"]?["status"] == "refused")
        #expect(result.toolText == "Invalid arguments (invalid_arguments): invalid arguments for 'sleep': $.seconds: expected integer, got string")
    }

    /// Each bad input gets its JSON-RPC error, and the connection keeps working.
    @Test(arguments: [
        ("{not json", -32700, JSONValue.null),
        ("[1,2]", -32600, .null),
        ("42", -32600, .null),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, -32600, 1),
        (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, -32600, .null),
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, -32600, .null),
        (#"{"jsonrpc":"2.0","id":2}"#, -32600, 2),
        (#"{"jsonrpc":"2.0","id":3,"method":7}"#, -32600, 3),
        (#"{"jsonrpc":"2.0","id":4,"method":"resources/list"}"#, -32601, 4),
        (#"{"jsonrpc":"2.0","id":5,"method":"tools/call"}"#, -32602, 5),
        (#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{}}}"#, -32602, 6),
        (#"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"shell","arguments":[1]}}"#, -32602, "s"),
        (#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}"#, -32602, 8),
        (#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"shell","_meta":{"reason":5}}}"#, -32602, 9),
    ])
    func badInputGetsItsError(line: String, code: Int, id: JSONValue) async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (reply, ping) = try await blocking {
            let client = try AgentClient(socketPath: path)
            return (try client.exchange(line + "\n"), try client.request("ping"))
        }
        #expect(reply?["error"]?["code"]?.intValue == Int64(code))
        #expect(reply?["id"] == id)
        #expect((reply?["error"]?["message"]?.stringValue ?? "").count > 10)
        #expect(ping == .object([:]))
    }

    @Test func invalidUTF8IsAParseError() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (reply, ping) = try await blocking {
            let client = try AgentClient(socketPath: path)
            try client.write(Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A]))
            return (try client.readLine().map { try CanonicalJSON.parse($0) }, try client.request("ping"))
        }
        #expect(reply?["error"]?["code"] == -32700)
        #expect(reply?["error"]?["message"]?.stringValue?.contains("UTF-8") == true)
        #expect(ping == .object([:]))
    }

    @Test func notificationsGetNoReplyAndResponsesAreIgnored() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let reply = try await blocking {
            let client = try AgentClient(socketPath: path)
            let lines: [String] = [
                #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                #"{"jsonrpc":"2.0","method":"notifications/whatever","params":{}}"#,
                #"{"jsonrpc":"2.0","id":99,"result":{}}"#,
                #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}"#,
                #"{"jsonrpc":"2.0","id":"after","method":"ping"}"#,
            ]
            try client.write(Data(lines.map { $0 + "\n" }.joined().utf8))
            return try client.readLine().map { try CanonicalJSON.parse($0) }
        }
        #expect(reply?["id"] == "after")
    }

    @Test func metaClaimsAreCarried() async throws {
        let policy = RecordingAllowPolicy()
        let daemon = try await TestDaemon.start(hooks: .permissive(policy: policy))
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        _ = try await blocking {
            try AgentClient(socketPath: path).call("shell", ["command": "true"], meta: [
                "on_behalf_of": "alice@example.com", "reason": "ticket 42", "trace_id": "abc", "nested": ["k": [1, 2]],
            ])
        }
        let claims = try #require(policy.calls.first?.claims)
        #expect(claims.onBehalfOf == "alice@example.com")
        #expect(claims.reason == "ticket 42")
        #expect(claims.extra == ["trace_id": "abc", "nested": ["k": [1, 2]]])
        #expect(policy.calls.first?.actor.name == "test-agent")
        #expect(policy.calls.first?.actor.uid == getuid())
        #expect(policy.calls.first?.actor.pid == getpid())
    }

    @Test func progressIsSentWhenAsked() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.progressIntervalSeconds = 0.05 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (result, notifications) = try await blocking {
            let client = try AgentClient(socketPath: path)
            var seen: [JSONValue] = []
            client.onNotification = { seen.append($0) }
            let result = try client.request("tools/call", params: [
                "name": "shell", "arguments": ["command": "sleep 0.5; echo done"], "_meta": ["progressToken": "tok-1"],
            ])
            return (result, seen)
        }
        #expect(result.toolText == "done\n")
        #expect(!notifications.isEmpty)
        #expect(notifications.allSatisfy { $0["method"] == "notifications/progress" && $0["params"]?["progressToken"] == "tok-1" })
        let counts = notifications.compactMap { $0["params"]?["progress"]?.intValue }
        #expect(counts == Array(1...Int64(counts.count)))
    }

    @Test func noProgressWithoutAToken() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.progressIntervalSeconds = 0.05 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let notifications = try await blocking {
            let client = try AgentClient(socketPath: path)
            var seen: [JSONValue] = []
            client.onNotification = { seen.append($0) }
            _ = try client.call("shell", ["command": "sleep 0.3"])
            return seen
        }
        #expect(notifications.isEmpty)
    }
}
