import AirlockCore
import AirlockServer
import Executor
import Foundation
import HostCommandSupport
import Logging
import Testing

@Suite("agent socket lifecycle and identity", .serialized)
struct ServerLifecycleTests {
    func executor(_ runner: ProcessToolRunner = ProcessToolRunner(), hooks: PipelineHooks = .permissive()) throws -> Executor {
        let config = try ConfigLoader.parse(yaml: testCatalogYAML, file: "/tmp/airlock-test.yaml")
        return try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks)
    }

    func settings(_ directory: URL) -> ServerSettings {
        ServerSettings(socketPath: directory.appendingPathComponent("agent.sock").path)
    }

    let me = ActorDirectory(byUID: [getuid(): .init(name: "me")])

    @Test func aStaleSocketFileIsReplaced() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("agent.sock").path
        // A socket file nobody listens on, as a crashed daemon leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(bound == 0)
        #expect(FileManager.default.fileExists(atPath: path))

        let server = try await AgentServer.start(settings: settings(directory), executor: try executor(), actors: me)
        let ping = try await blocking { try AgentClient(socketPath: path).request("ping") }
        #expect(ping == .object([:]))
        await server.shutdown()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aLiveDaemonsSocketIsNotStolen() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await AgentServer.start(settings: settings(directory), executor: try executor(), actors: me)
        let error = await #expect(throws: AirlockError.self) {
            _ = try await AgentServer.start(settings: settings(directory), executor: try executor(), actors: me)
        }
        #expect(error?.code == .conflict)
        let ping = try await blocking { [path = first.socketPath] in try AgentClient(socketPath: path).request("ping") }
        #expect(ping == .object([:]))
        await first.shutdown()
    }

    @Test func aFileThatIsNotASocketIsLeftAlone() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("agent.sock").path
        FileManager.default.createFile(atPath: path, contents: Data("important".utf8))
        await #expect(throws: AirlockError.self) {
            _ = try await AgentServer.start(settings: settings(directory), executor: try executor(), actors: me)
        }
        #expect(FileManager.default.contents(atPath: path) == Data("important".utf8))
    }

    @Test func theSocketGetsTheConfiguredModeAndGroup() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var custom = settings(directory)
        custom.socketMode = 0o600
        custom.socketGroup = "\(getgid() == 0 ? 4321 : getgid())"
        let server = try await AgentServer.start(settings: custom, executor: try executor(), actors: me)
        let attributes = try FileManager.default.attributesOfItem(atPath: server.socketPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.groupOwnerAccountID] as? Int) == Int(getgid() == 0 ? 4321 : getgid()))
        await server.shutdown()

        let defaults = try await AgentServer.start(settings: settings(directory), executor: try executor(), actors: me)
        let mode = try FileManager.default.attributesOfItem(atPath: defaults.socketPath)[.posixPermissions] as? Int
        #expect(mode == 0o660)
        // Listening, at its configured path.
        _ = try await blocking { try AgentClient(socketPath: defaults.socketPath).request("tools/list") }
        await defaults.shutdown()
    }

    @Test func shutdownCancelsCallsThatOutliveTheGracePeriod() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runner = ProcessToolRunner()
        var quick = settings(directory)
        quick.shutdownGraceSeconds = 0.2
        let server = try await AgentServer.start(settings: quick, executor: try executor(runner), actors: me)
        let path = server.socketPath
        let reply = Task.detached {
            try await blocking { () -> JSONValue? in
                let client = try AgentClient(socketPath: path)
                try client.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                 "params": ["name": "sleep", "arguments": ["seconds": 60]]])
                return try client.readLine().map { try CanonicalJSON.parse($0) }
            }
        }
        #expect(await eventually { !runner.startedPIDs.isEmpty })
        await server.shutdown()
        let pid = runner.startedPIDs[0]
        #expect(kill(pid, 0) != 0 && errno == ESRCH)
        #expect(!FileManager.default.fileExists(atPath: path))
        let answer = try await reply.value
        // Either the cancelled result reached the client before the close, or the connection closed.
        if let answer { #expect(answer["result"]?["structuredContent"]?["termination"] == "cancelled") }
    }

    @Test func shutdownLetsShortCallsFinish() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runner = ProcessToolRunner()
        var patient = settings(directory)
        patient.shutdownGraceSeconds = 30
        let server = try await AgentServer.start(settings: patient, executor: try executor(runner), actors: me)
        let path = server.socketPath
        let reply = Task.detached {
            try await blocking { () -> JSONValue? in
                let client = try AgentClient(socketPath: path)
                try client.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                 "params": ["name": "shell", "arguments": ["command": "sleep 0.3; echo finished"]]])
                return try client.readLine().map { try CanonicalJSON.parse($0) }
            }
        }
        #expect(await eventually { !runner.startedPIDs.isEmpty })
        await server.shutdown()
        #expect(try await reply.value?["result"]?.toolText == "finished\n")
    }

    /// An unmapped peer gets one forbidden reply as soon as it connects,
    /// before it sends anything, and then an EOF: it never holds a
    /// connection slot, so idle refused peers cannot lock others out.
    @Test func anUnmappedUIDIsRefusedWhenTheDefaultIsRefuse() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var oneSlot = settings(directory)
        oneSlot.maxConnections = 1
        let server = try await AgentServer.start(settings: oneSlot, executor: try executor(),
                                                 actors: ActorDirectory(byUID: [getuid() &+ 1: .init(name: "someone-else")]))
        let path = server.socketPath
        let outcomes = try await blocking { () -> [(JSONValue?, Bool)] in
            // Three idle refused peers at once, against a cap of one.
            let clients = try (0..<3).map { _ in try AgentClient(socketPath: path) }
            return try clients.map { client in
                let reply = try client.readLine().map { try CanonicalJSON.parse($0) }
                return (reply, try client.readLine() == nil)
            }
        }
        for (reply, closed) in outcomes {
            #expect(reply?["error"]?["code"] == -32001)
            #expect(reply?["error"]?["message"]?.stringValue?.contains("uid \(getuid()) is not a configured actor") == true,
                    "\(String(describing: reply))")
            #expect(closed, "the connection must close after the refusal")
        }
        await server.shutdown()
    }

    /// The client reports the daemon's refusal (an error without an id,
    /// sent before any request) as the answer to its request, not as a
    /// connection closed without one.
    @Test func theClientReportsTheRefusalItself() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await AgentServer.start(settings: settings(directory), executor: try executor(),
                                                 actors: ActorDirectory(byUID: [getuid() &+ 1: .init(name: "someone-else")]))
        let path = server.socketPath
        let thrown = try await blocking { () -> (any Error)? in
            do {
                _ = try AgentClient(socketPath: path).request("tools/list")
                return nil
            } catch {
                return error
            }
        }
        let refusal = try #require(thrown as? AgentClientError, "\(String(describing: thrown))")
        #expect(refusal.code == -32001)
        #expect(refusal.message.contains("is not a configured actor"), "\(refusal.message)")
        await server.shutdown()
    }

    /// Two uids on one socket become two actors; needs root for setpriv.
    @Test(.enabled(if: getuid() == 0, "setpriv --reuid needs root"))
    func twoUIDsAreTwoActors() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = RecordingAllowPolicy()
        var open = settings(directory)
        open.socketMode = 0o666
        let actors = ActorDirectory(byUID: [0: .init(name: "root-agent", roles: ["admin"]),
                                            4242: .init(name: "second-agent", roles: ["agent"], owner: "bob")])
        let server = try await AgentServer.start(settings: open, executor: try executor(hooks: .permissive(policy: policy)),
                                                 actors: actors)
        let path = server.socketPath
        _ = try await blocking { try AgentClient(socketPath: path).call("shell", ["command": "true"]) }

        let script = """
        import json, socket, sys
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rb")
        s.sendall(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": "shell", "arguments": {"command": "true"}}}).encode() + b"\\n")
        print(f.readline().decode())
        """
        let python = try HostCommand.run(
            "/usr/bin/setpriv", ["--reuid", "4242", "--regid", "4242", "--clear-groups", "/usr/bin/python3", "-c", script, path],
            stderr: .inherit)
        #expect(python.status == 0)
        #expect(python.stdoutText.contains("\"isError\":false"))

        let seen = policy.calls.map { "\($0.actor.name):\($0.actor.uid):\($0.actor.owner ?? "-")" }
        #expect(seen == ["root-agent:0:-", "second-agent:4242:bob"])
        await server.shutdown()
    }
}
