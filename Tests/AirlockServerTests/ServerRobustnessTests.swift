import AirlockCore
import AirlockServer
import Foundation
import Testing

/// One client's abuse of the connection costs only that client.
@Suite("agent socket robustness")
struct ServerRobustnessTests {
    @Test func anOversizedLineIsRefusedAndDisconnected() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.frameLimitBytes = 4096 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (reply, eof, other) = try await blocking {
            let abuser = try AgentClient(socketPath: path)
            let bystander = try AgentClient(socketPath: path)
            let big = #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""# + String(repeating: "x", count: 10_000) + "\"}}\n"
            try? abuser.write(Data(big.utf8))
            let reply = try abuser.readLine().map { try CanonicalJSON.parse($0) }
            let eof = try abuser.readLine() == nil
            return (reply, eof, try bystander.call("shell", ["command": "echo still here"]))
        }
        #expect(reply?["error"]?["code"] == -32600)
        #expect(reply?["error"]?["message"]?.stringValue?.contains("4096-byte frame limit") == true)
        #expect(eof)
        #expect(other.toolText == "still here\n")
    }

    @Test func aLineJustUnderTheLimitIsAccepted() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.frameLimitBytes = 4096 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let reply = try await blocking {
            let client = try AgentClient(socketPath: path)
            let prefix = #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""#
            let line = prefix + String(repeating: "x", count: 4096 - prefix.utf8.count - 3) + "\"}}"
            precondition(line.utf8.count == 4096)
            return try client.exchange(line + "\n")
        }
        #expect(reply?["result"] == .object([:]))
    }

    @Test func aStalledHalfLineIsDisconnected() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.partialLineTimeoutSeconds = 0.2 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (reply, eof) = try await blocking {
            let client = try AgentClient(socketPath: path)
            try client.write(Data(#"{"jsonrpc":"2.0","id":1,"meth"#.utf8))
            let reply = try client.readLine().map { try CanonicalJSON.parse($0) }
            return (reply, try client.readLine() == nil)
        }
        #expect(reply?["error"]?["code"] == -32700)
        #expect(reply?["error"]?["message"]?.stringValue?.contains("no newline") == true)
        #expect(eof)
    }

    /// Each write completes one message and starts the next, so a read
    /// never ends on a newline; the timeout is about one partial line's
    /// age, so such a client is served for many timeouts in a row.
    @Test func aClientStreamingStraddlingMessagesIsNotDisconnected() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.partialLineTimeoutSeconds = 1 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let replies = try await blocking {
            let client = try AgentClient(socketPath: path)
            let message = { (id: Int) in #"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"# }
            try client.write(Data(message(1).prefix(10).utf8))
            var replies: [JSONValue] = []
            for id in 1...30 {
                Thread.sleep(forTimeInterval: 0.1)
                let rest = String(message(id).dropFirst(10)) + "\n" + String(message(id + 1).prefix(10))
                try client.write(Data(rest.utf8))
                if let line = try client.readLine() { replies.append(try CanonicalJSON.parse(line)) }
            }
            return replies
        }
        // 30 × 100 ms spans three timeouts; every ping was answered.
        #expect(replies.count == 30)
        #expect(replies.allSatisfy { $0["result"] == .object([:]) }, "\(replies)")
    }

    @Test func anIdleConnectionIsNotDisconnected() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.partialLineTimeoutSeconds = 0.1 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let ping = try await blocking {
            let client = try AgentClient(socketPath: path)
            Thread.sleep(forTimeInterval: 0.4)
            return try client.request("ping")
        }
        #expect(ping == .object([:]))
    }

    @Test func aClientThatDoesNotReadIsDroppedAndOthersAreUnaffected() async throws {
        let daemon = try await TestDaemon.start(adjust: {
            $0.outboundLimitBytes = 65536
            $0.slowReaderTimeoutSeconds = 0.5
        })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (dropped, other) = try await blocking {
            let flooder = try AgentClient(socketPath: path)
            // Ask for far more replies than the kernel buffers plus the budget hold, never reading.
            let ping = Data(String(repeating: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"# + "\n", count: 200).utf8)
            var dropped = false
            for _ in 0..<5000 {
                do { try flooder.write(ping) } catch { dropped = true; break }
            }
            return (dropped, try AgentClient(socketPath: path).call("shell", ["command": "echo fine"]))
        }
        #expect(dropped)
        #expect(other.toolText == "fine\n")
    }

    @Test func aGarbageFloodLeavesAnotherClientWorking() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let flood = Task.detached {
            guard let abuser = try? AgentClient(socketPath: path) else { return }
            var garbage = Data()
            for i in 0..<2000 {
                garbage.append(contentsOf: Array("\(i) }{ not json \u{7f}\n".utf8) + [0xff, 0x0a])
            }
            for _ in 0..<20 {
                guard (try? abuser.write(garbage)) != nil else { return }
            }
        }
        let results = try await blocking {
            let client = try AgentClient(socketPath: path)
            return try (0..<10).map { try client.call("argv", ["value": .string("call \($0)")]).toolText }
        }
        for (i, text) in results.enumerated() { #expect(text == "<--><call \(i)>") }
        flood.cancel()
    }

    @Test func tooManyConnectionsAreTurnedAwayWithAnError() async throws {
        let daemon = try await TestDaemon.start(adjust: { $0.maxConnections = 2 })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (reply, firstStillWorks) = try await blocking {
            let a = try AgentClient(socketPath: path)
            let b = try AgentClient(socketPath: path)
            _ = try a.request("ping")
            _ = try b.request("ping")
            let c = try AgentClient(socketPath: path)
            let reply = try c.readLine().map { try CanonicalJSON.parse($0) }
            return (reply, try a.request("ping"))
        }
        #expect(reply?["error"]?["code"] == -32002)
        #expect(firstStillWorks == .object([:]))
    }
}
