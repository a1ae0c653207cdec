import AirlockCore
import Sandbox
import AirlockServer
import Foundation
import Testing

@Suite("agent socket concurrency and cancellation")
struct ServerConcurrencyTests {
    @Test func thirtyTwoClientsAtOnceAreAllAnswered() async throws {
        let daemon = try await TestDaemon.start(execution: .init(maxRunning: 8, maxQueued: 64, queueTimeoutSeconds: 60))
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let texts = try await callsFromSeparateClients(path: path, count: 32, tool: "argv") { ["value": .string("client-\($0)")] }
        #expect(texts.count == 32)
        for i in 0..<32 { #expect(texts[i] == "<--><client-\(i)>") }
    }

    /// The first call cannot finish until the test has seen the second
    /// call's reply, so replies must be matched by id, not by order.
    @Test func callsOnOneConnectionAnswerOutOfOrderById() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let flag = daemon.directory.appendingPathComponent("second-answered").path
        let replies = try await blocking {
            let client = try AgentClient(socketPath: path)
            let first: JSONValue = ["jsonrpc": "2.0", "id": "first", "method": "tools/call", "params": [
                "name": "shell", "arguments": ["command": .string("while [ ! -e '\(flag)' ]; do sleep 0.02; done; echo first")]]]
            let second: JSONValue = ["jsonrpc": "2.0", "id": "second", "method": "tools/call", "params": [
                "name": "shell", "arguments": ["command": "echo second"]]]
            try client.send(first)
            try client.send(second)
            let early = try CanonicalJSON.parse(try client.readLine()!)
            _ = FileManager.default.createFile(atPath: flag, contents: nil)
            return [early, try CanonicalJSON.parse(try client.readLine()!)]
        }
        #expect(replies.map { $0["id"] } == ["second", "first"])
        #expect(replies.map { $0["result"]?.toolText } == ["second\n", "first\n"])
    }

    @Test func aDuplicateIDInFlightIsRejected() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let flag = daemon.directory.appendingPathComponent("go").path
        let replies = try await blocking {
            let client = try AgentClient(socketPath: path)
            let call: JSONValue = ["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": [
                "name": "shell", "arguments": ["command": .string("while [ ! -e '\(flag)' ]; do sleep 0.02; done")]]]
            try client.send(call)
            try client.send(call)
            let rejection = try CanonicalJSON.parse(try client.readLine()!)
            FileManager.default.createFile(atPath: flag, contents: nil)
            return [rejection, try CanonicalJSON.parse(try client.readLine()!)]
        }
        #expect(replies[0]["error"]?["code"] == -32600)
        #expect(replies[1]["result"]?["isError"] == false)
    }

    @Test func cancellationKillsTheChild() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let runner = daemon.runner
        let pid = try await blocking { () -> Int32 in
            let client = try AgentClient(socketPath: path)
            try client.send(["jsonrpc": "2.0", "id": "long", "method": "tools/call",
                             "params": ["name": "sleep", "arguments": ["seconds": 60]]])
            while runner.startedPIDs.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
            let pid = runner.startedPIDs[0]
            try client.send(["jsonrpc": "2.0", "method": "notifications/cancelled",
                             "params": ["requestId": "long", "reason": "user pressed stop"]])
            // No reply for the cancelled id: the next line answers this ping.
            try client.send(["jsonrpc": "2.0", "id": "after", "method": "ping"])
            let next = try CanonicalJSON.parse(try client.readLine()!)
            precondition(next["id"] == "after", "got \(next)")
            return pid
        }
        #expect(await eventually { kill(pid, 0) != 0 && errno == ESRCH })
        #expect(await eventuallyAsync { daemon.server.callsInFlight == 0 })
    }

    @Test func disconnectingCancelsTheClientsCalls() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let runner = daemon.runner
        let pid = try await blocking { () -> Int32 in
            let client = try AgentClient(socketPath: path)
            try client.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                             "params": ["name": "sleep", "arguments": ["seconds": 60]]])
            while runner.startedPIDs.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
            return runner.startedPIDs[0]
        }
        #expect(await eventually { kill(pid, 0) != 0 && errno == ESRCH })
    }

    @Test func aLimitHitIsReportedInTheResult() async throws {
        let runner = ProcessToolRunner(profiles: ["test": .init(wallSeconds: 0.3)])
        let daemon = try await TestDaemon.start(runner: runner)
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let result = try await blocking { try AgentClient(socketPath: path).call("sleep", ["seconds": 30]) }
        #expect(result["isError"] == true)
        #expect(result["structuredContent"]?["termination"] == "limit_killed")
        #expect(result["structuredContent"]?["limitsHit"]?.arrayValue?.first?["kind"] == "wall_clock")
        #expect(result.toolText.contains("limit wall_clock = 1 reached"))
    }

    @Test func aFullSandboxQueueAnswersBusy() async throws {
        let daemon = try await TestDaemon.start(execution: .init(maxRunning: 1, maxQueued: 0, queueTimeoutSeconds: 30))
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let flag = daemon.directory.appendingPathComponent("go").path
        let runner = daemon.runner
        let (busy, first) = try await blocking {
            let holder = try AgentClient(socketPath: path)
            try holder.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": [
                "name": "shell", "arguments": ["command": .string("while [ ! -e '\(flag)' ]; do sleep 0.02; done; echo held")]]])
            while runner.startedPIDs.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
            let busy = try AgentClient(socketPath: path).call("shell", ["command": "echo never"])
            FileManager.default.createFile(atPath: flag, contents: nil)
            return (busy, try CanonicalJSON.parse(try holder.readLine()!))
        }
        #expect(busy["isError"] == true)
        #expect(busy["structuredContent"]?["code"] == "busy")
        #expect(busy.toolText.hasPrefix("Busy (busy): all 1 sandboxes are busy"))
        #expect(first["result"]?.toolText == "held\n")
    }
}

/// A large result is handled off the event loop (masked, digested and
/// encoded on the global executor); it must arrive whole, and a small call
/// on another connection of the same daemon must still be answered.
@Suite("agent socket: large results")
struct LargeResultTests {
    @Test func aLargeOutputArrivesWholeAndOthersAreAnswered() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (big, small) = try await blocking { () -> (JSONValue, JSONValue) in
            let bigClient = try AgentClient(socketPath: path)
            let big = try bigClient.request("tools/call", params: [
                "name": "shell", "arguments": ["command": "head -c 300000 /dev/zero | tr '\\000' x"]])
            let small = try AgentClient(socketPath: path).request("tools/call", params: [
                "name": "argv", "arguments": ["value": "after"]])
            return (big, small)
        }
        let text = big["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(big["isError"] == false)
        #expect(text.filter { $0 == "x" }.count == 300_000, "got \(text.count) characters: \(text.prefix(200))")
        #expect(small["content"]?.arrayValue?.first?["text"] == "<--><after>")
    }
}
