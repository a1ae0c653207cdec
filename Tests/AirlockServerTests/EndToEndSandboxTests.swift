import AirlockCore
import AirlockServer
import Executor
import Foundation
import HostCommandSupport
import Logging
import Sandbox
import Testing

/// The shipped example catalog served over the real socket and run in the
/// real sandbox engine with the shipped profiles. Only the policy,
/// credential and audit steps are test doubles (their modules are not wired
/// into the daemon yet).
@Suite("end to end: socket + sandbox", .serialized)
struct EndToEndSandboxTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Tools beside the example catalog that make injection and limits observable.
    static let extraTools = #"""
      - name: argv
        description: Prints each argument after the script as <arg>.
        inputSchema:
          type: object
          properties: { value: { type: string } }
          required: [value]
        command: ["/bin/sh", "-c", "for a; do printf '<%s>' \"$a\"; done", "argv", "--", "{{value}}"]
        profile: strict
      - name: slow_shell
        description: run_shell with a one-second wall clock.
        inputSchema:
          type: object
          properties: { command: { type: string } }
          required: [command]
        command: ["/bin/sh", "-c", "--", "{{command}}"]
        profile: shell
        limits: { wall_seconds: 1 }
    """#

    struct Daemon {
        let server: AgentServer
        let directory: URL
        var path: String { server.socketPath }
    }

    func start(_ body: (Daemon) async throws -> Void) async throws {
        let example = try String(contentsOf: Self.repository.appendingPathComponent("Examples/airlock.yaml"), encoding: .utf8)
        let config = try ConfigLoader.parse(yaml: example + Self.extraTools,
                                            file: Self.repository.appendingPathComponent("Examples/airlock.yaml").path)
        let directory = try TestDaemon.makeDirectory()
        let runner = try SandboxToolRunner.loading(profiles: config.catalog.profileNames, from: config.profilesDirectory)
        let executor = try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: .permissive(),
                                    execution: ExecutionSettings(maxRunning: 8, maxQueued: 64, queueTimeoutSeconds: 900))
        var settings = config.server
        settings.socketPath = directory.appendingPathComponent("agent.sock").path
        let server = try await AgentServer.start(settings: settings, executor: executor, actors: config.actors)
        do {
            try await body(Daemon(server: server, directory: directory))
        } catch {
            await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    @Test func listAndCallTheExampleTools() async throws {
        try await start { daemon in
            let path = daemon.path
            let (tools, shell, python, file, escape, sql) = try await blocking {
                let client = try AgentClient(socketPath: path)
                try client.initialize()
                return (try client.request("tools/list"),
                        try client.call("run_shell", ["command": "echo hello; id -u"]),
                        try client.call("run_python", ["code": "print(sum(range(10)))"]),
                        try client.call("read_file", ["path": "notes.md"]),
                        try client.call("read_file", ["path": "../../etc/shadow"]),
                        try client.call("sqlite_query", ["query": "SELECT count(*) AS n FROM orders"]))
            }
            let names = tools["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["run_shell", "run_python", "read_file", "sqlite_query", "http_get", "argv", "slow_shell"])
            #expect(shell.toolText == "hello\n1000\n")
            #expect(shell["structuredContent"]?["manifest"]?["profile"] == "shell")
            #expect(python.toolText == "45\n")
            #expect(file.toolText.hasPrefix("# Notes"))
            #expect(escape["isError"] == true)
            #expect(escape["structuredContent"]?["code"] == "invalid_arguments")
            #expect(sql.toolText.contains("\"n\":7"))
        }
    }

    /// http_get runs under the network profile: a loopback server the test
    /// starts is reachable (the profile shares the host network), and a
    /// non-HTTP URL is refused by the schema before anything runs.
    @Test func httpGetReachesALoopbackServer() async throws {
        let served = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: served) }
        try "served over loopback\n".write(to: served.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
        let http = try HostCommand.start("/usr/bin/python3", ["-u", "-c", """
            import http.server, functools, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """, served.path], stderr: .null)
        defer {
            http.kill(SIGKILL)
            http.wait()
        }
        let portLine = try await blocking { [handle = http.stdout] in
            String(decoding: handle.availableData, as: UTF8.self)
        }
        let port = try #require(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)))
        try await start { daemon in
            let path = daemon.path
            let (fetched, refused) = try await blocking {
                let client = try AgentClient(socketPath: path)
                return (try client.call("http_get", ["url": .string("http://127.0.0.1:\(port)/hello.txt")]),
                        try client.call("http_get", ["url": "file:///etc/passwd"]))
            }
            #expect(fetched.toolText == "served over loopback\n")
            #expect(fetched["structuredContent"]?["manifest"]?["profile"] == "network")
            #expect(refused["structuredContent"]?["code"] == "invalid_arguments")
        }
    }

    @Test func injectionStaysOneInertArgumentInTheSandbox() async throws {
        try await start { daemon in
            let path = daemon.path
            let values = ["; rm -rf /", "$(id)", "`id`", "--flag", "-rf", "a\nb", "x' || 'y"]
            let texts = try await blocking {
                let client = try AgentClient(socketPath: path)
                return try values.map { try client.call("argv", ["value": .string($0)]).toolText }
            }
            for (value, text) in zip(values, texts) { #expect(text == "<--><\(value)>") }
        }
    }

    @Test func thirtyTwoClientsAtOnce() async throws {
        try await start { daemon in
            let path = daemon.path
            let texts = try await callsFromSeparateClients(path: path, count: 32, tool: "run_shell") {
                ["command": .string("echo client-\($0)")]
            }
            #expect(texts.count == 32)
            for i in 0..<32 { #expect(texts[i] == "client-\(i)\n") }
        }
    }

    @Test func cancellingACallKillsItsSandbox() async throws {
        try await start { daemon in
            let path = daemon.path
            let marker = "airlock-e2e-\(UUID().uuidString.prefix(8))"
            let (found, next) = try await blocking { () -> (Bool, JSONValue?) in
                let client = try AgentClient(socketPath: path)
                try client.send(["jsonrpc": "2.0", "id": "long", "method": "tools/call",
                                 "params": ["name": "run_shell", "arguments": ["command": .string("sleep 60; echo \(marker)")]]])
                var seen = false
                for _ in 0..<1000 where !seen {
                    seen = !processes(containing: marker).isEmpty
                    if !seen { Thread.sleep(forTimeInterval: 0.01) }
                }
                try client.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": "long"]])
                try client.send(["jsonrpc": "2.0", "id": "after", "method": "ping"])
                // No reply for the cancelled call: the next line answers the ping.
                return (seen, try client.readLine().map { try CanonicalJSON.parse($0) })
            }
            #expect(found)
            #expect(next?["id"] == "after")
            #expect(await eventually { processes(containing: marker).isEmpty })
        }
    }

    @Test func aWallClockLimitIsReported() async throws {
        try await start { daemon in
            let path = daemon.path
            let result = try await blocking { try AgentClient(socketPath: path).call("slow_shell", ["command": "sleep 30"]) }
            #expect(result["isError"] == true)
            let hits = result["structuredContent"]?["limitsHit"]?.arrayValue ?? []
            #expect(hits.contains { $0["kind"] == "wall_clock" })
            #expect(result.toolText.contains("wall_clock"))
        }
    }
}

/// Host pids whose command line contains `marker` (seen from outside the sandbox).
func processes(containing marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = Int32(entry), pid != getpid(),
              let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        return String(decoding: data, as: UTF8.self).contains(marker) ? pid : nil
    }
}
