import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import HostCommandSupport
import Logging
import Testing

/// The whole loop as people run it: an agent's `tools/call` ends pending on
/// the agent socket; an approver on another uid (65534, via `setpriv`) runs
/// the `airlock approvals` CLI against an admin socket whose mode lets them
/// in; the agent resumes with `airlock/approvals/wait` and the stored call
/// runs once.
@Suite("airlock approvals CLI and airlock/approvals/wait", .serialized)
struct AdminApprovalsCLITests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var airlockBinary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("airlock")
    }

    /// The agent socket over `harness`'s executor and gate, with the test
    /// process as the agent `AdminFixture.selfAgent`.
    static func agentServer(_ fixture: AdminFixture, _ harness: GateHarness) async throws -> AgentServer {
        var settings = ServerSettings()
        settings.socketPath = fixture.directory.appendingPathComponent("agent.sock").path
        let actors = ActorDirectory(byUID: [getuid(): .init(name: AdminFixture.selfAgent.name, roles: ["agent"], owner: "tester")])
        return try await AgentServer.start(settings: settings, executor: harness.executor, actors: actors,
                                           approvals: harness.gate, logger: Logger(label: "test.server"))
    }

    /// Runs the built `airlock`, as uid/gid 65534 when `asNobody`.
    static func airlock(_ arguments: [String], asNobody: Bool) throws -> Outcome {
        let binary = airlockBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "airlock must be built next to the test binary")
        let (executable, argv) = asNobody
            ? ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments)
            : (binary, arguments)
        let finished = try HostCommand.run(executable, argv, environment: ["PATH": "/usr/bin:/bin"])
        return Outcome(status: finished.status, stdout: finished.stdoutText, stderr: finished.stderrText)
    }

    @Test(.enabled(if: getuid() == 0, "setpriv to another uid needs root"))
    func anotherUIDApprovesWithTheCLIAndTheAgentResumesTheStoredCall() async throws {
        let fixture = try await AdminFixture.start(mode: 0o666)
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .milliseconds(300))
        let server = try await Self.agentServer(fixture, harness)
        let agentSocket = server.socketPath
        defer { Task { await server.shutdown() } }

        let (pending, progress, unknown) = try await blocking {
            let client = try AgentClient(socketPath: agentSocket)
            try client.initialize(clientName: "test")
            var progress: [String] = []
            client.onNotification = { note in
                if note["method"] == "notifications/progress", let text = note["params"]?["message"]?.stringValue {
                    progress.append(text)
                }
            }
            let pending = try client.request("tools/call", params: [
                "name": "argv", "arguments": ["value": "original"], "_meta": ["progressToken": "p1"],
            ])
            return (pending, progress, client.failure("airlock/approvals/wait", ["approval_id": "apr-00000000000000000000"]))
        }
        #expect(progress.contains { $0.hasPrefix("waiting for approval apr-") })
        #expect(unknown?.code == AdminErrorCode.notFound)
        #expect(pending["structuredContent"]?["status"] == "pending")
        #expect(pending["isError"] == false)
        let id = try #require(pending["structuredContent"]?["approval_id"]?.stringValue)

        let listed = try await blocking {
            try Self.airlock(["approvals", "list", "--json", "--admin-socket", fixture.socketPath], asNobody: true)
        }
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(try CanonicalJSON.parse(listed.stdout).arrayValue?.compactMap { $0["id"]?.stringValue } == [id])

        let approved = try await blocking {
            try Self.airlock(["approvals", "approve", id, "--reason", "checked", "--admin-socket", fixture.socketPath],
                             asNobody: true)
        }
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(approved.stdout.contains("\(id): APPROVED"))
        #expect(try await fixture.store.record(id: id).reviews.map(\.uid) == [AdminFixture.nobody])

        // Arguments sent with the resume are not what runs: the stored call is.
        let resumed = try await blocking {
            let client = try AgentClient(socketPath: agentSocket)
            try client.initialize(clientName: "test")
            return try client.request("airlock/approvals/wait", params: [
                "approval_id": .string(id), "arguments": ["value": "substituted"],
            ])
        }
        #expect(resumed.toolText == "<--><original>")
        #expect(harness.runner.requests.map(\.argv).flatMap { $0 }.contains("substituted") == false)
        #expect(try await fixture.store.record(id: id).state == .done)

        // `airlock call --wait` on a record that already ran: refused, never a second run.
        let twice = try await blocking { try Self.airlock(["call", "--wait", id, "--socket", agentSocket], asNobody: false) }
        #expect(twice.status == 126)
        #expect(twice.stderr.contains("only once"))
        #expect(harness.runner.requests.count == 1)
    }

    @Test(.enabled(if: getuid() == 0, "setpriv to another uid needs root"))
    func theCLIReportsARefusalForAnApproverWhoRequestedTheAction() async throws {
        let fixture = try await AdminFixture.start(mode: 0o666)
        defer { Task { await fixture.stop() } }
        let nobodyAgent = Actor(name: "nobody-agent", uid: AdminFixture.nobody, gid: AdminFixture.nobody, pid: 1)
        let own = try await fixture.pending(by: nobodyAgent)
        let refused = try await blocking {
            try Self.airlock(["approvals", "approve", own.id, "--admin-socket", fixture.socketPath], asNobody: true)
        }
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot review"))
        #expect(try await fixture.store.record(id: own.id).state == .pending)

        let unreachable = try await blocking {
            try Self.airlock(["approvals", "list", "--admin-socket", fixture.directory.appendingPathComponent("none.sock").path],
                             asNobody: false)
        }
        #expect(unreachable.status == 125)
    }

    @Test(.enabled(if: getuid() == 0, "setpriv to another uid needs root"))
    func theDefaultModeKeepsOtherUsersOffTheAdminSocket() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let outsider = try await blocking {
            try Self.airlock(["approvals", "list", "--admin-socket", fixture.socketPath], asNobody: true)
        }
        #expect(outsider.status == 125)
        #expect(outsider.stderr.contains("Permission denied"), "\(outsider.stderr)")
    }

    @Test func listAndShowPrintWhatAnApproverNeeds() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let record = try await fixture.pending(reasonRequired: true)
        let (list, show) = try await blocking {
            (try Self.airlock(["approvals", "list", "--admin-socket", fixture.socketPath], asNobody: false),
             try Self.airlock(["approvals", "show", record.id, "--admin-socket", fixture.socketPath], asNobody: false))
        }
        #expect(list.status == 0)
        #expect(list.stdout.hasPrefix("\(record.id)  PENDING  argv  by ci-agent  rule needs-review"))
        #expect(show.status == 0)
        for expected in ["tool       argv", #"arguments  {"token":"[masked]","value":"original"}"#,
                         "rule       needs-review: on-call must approve", "needs      1 of group oncall, with a reason",
                         "decide     airlock approvals approve \(record.id)"] {
            #expect(show.stdout.contains(expected), "\(show.stdout)")
        }
        #expect(!show.stdout.contains("s3cret"))
    }

    /// The arguments are the agent's own text: a terminal escape or a
    /// bidirectional override in them must reach the approver's terminal
    /// as visible escapes, never as a sequence that rewrites the screen.
    @Test func agentTextCannotRewriteTheApproversScreen() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let hostile = "x\u{1B}[1A\u{1B}[2K\rarguments  {\"value\":\"harmless\"}\u{202E}"
        let record = try await fixture.pending(arguments: ["value": .string(hostile)])
        let (list, show) = try await blocking {
            (try Self.airlock(["approvals", "list", "--admin-socket", fixture.socketPath], asNobody: false),
             try Self.airlock(["approvals", "show", record.id, "--admin-socket", fixture.socketPath], asNobody: false))
        }
        #expect(show.status == 0 && list.status == 0)
        for output in [list.stdout, show.stdout] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x202E }, "\(output)")
        }
        // JSON already escapes the C0 controls; the override is shown as an escape too.
        #expect(show.stdout.contains("\\u{202e}"), "\(show.stdout)")
    }

    @Test func watchPrintsPendingRecordsThenNewOnes() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let existing = try await fixture.pending()
        let watcher = try HostCommand.start(Self.airlockBinary.path,
                                            ["approvals", "watch", "--json", "--admin-socket", fixture.socketPath],
                                            stderr: .null)
        // The watcher never exits by itself: stop it once the test has seen
        // what it needs, or after 20 s so a silent watcher fails, not hangs.
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(20))
            watcher.kill(SIGTERM)
        }
        defer { watchdog.cancel() }
        let lines = LineReader(watcher.stdout)

        let first = try await blocking { try lines.next() }
        #expect(first?["event"] == "pending")
        #expect(first?["approval"]?["id"] == .string(existing.id))
        let fresh = try await fixture.pending(arguments: ["value": "fresh"])
        let second = try await blocking { try lines.next() }
        #expect(second?["new_pending"] == true)
        #expect(second?["approval"]?["id"] == .string(fresh.id))
        watcher.kill(SIGTERM)
        watcher.wait()
    }

    /// Nothing ran yet: `airlock call … && next` must not go on as if the
    /// tool had succeeded.
    @Test func aPendingCallExitsWithItsOwnStatus() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .zero)
        let server = try await Self.agentServer(fixture, harness)
        let agentSocket = server.socketPath
        defer { Task { await server.shutdown() } }
        let call = try await blocking { try Self.airlock(["call", "argv", "--arg", "value=x", "--socket", agentSocket], asNobody: false) }
        #expect(call.status == 75, "stdout: \(call.stdout) stderr: \(call.stderr)")
        #expect(call.stderr.contains("apr-"), "\(call.stderr)")
        #expect(harness.runner.startedPIDs.isEmpty)
    }

    /// A client that half-closes after an `airlock/approvals/wait` gets its
    /// answer and then the end of the connection, as after a tools/call:
    /// a bridge fed by a pipe must not wait for the daemon forever.
    @Test func aBridgeEndsAfterTheAnswerToAnApprovalWait() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .zero)
        let server = try await Self.agentServer(fixture, harness)
        defer { Task { await server.shutdown() } }
        let bridge = try HostCommand.start(Self.airlockBinary.path, ["mcp", "--socket", server.socketPath], stdin: .pipe,
                                           stdout: .capture, stderr: .capture)
        defer { if bridge.isRunning { _ = bridge.kill(SIGKILL) }; bridge.wait() }
        bridge.stdin.write(Data("""
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
        {"jsonrpc":"2.0","id":2,"method":"airlock/approvals/wait","params":{"approval_id":"apr-00000000000000000000"}}

        """.utf8))
        try bridge.stdin.close()
        let ended = await eventually { !bridge.isRunning }
        #expect(ended, "the bridge is still waiting for the daemon to close")
        // Read only from a bridge that ended: a live one would never give EOF.
        if ended {
            let output = String(decoding: bridge.stdout.readDataToEndOfFile(), as: UTF8.self)
            #expect(output.contains(#""id":2"#), "\(output)")
        }
    }

    @Test func callNeedsEitherAToolOrWait() async throws {
        let both = try await blocking { try Self.airlock(["call", "argv", "--wait", "apr-1"], asNobody: false) }
        let neither = try await blocking { try Self.airlock(["call"], asNobody: false) }
        #expect(both.status == 64)
        #expect(neither.status == 64)
        #expect(both.stderr.contains("--wait ID"))
    }
}

/// Reads JSON lines from a pipe, one `next()` at a time on a blocking thread.
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    // Touched only by the one blocking step running at a time.
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line as JSON; nil at end of file.
    func next() throws -> JSONValue? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return try CanonicalJSON.parse(Data(line))
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
