import AirlockCore
import AirlockServer
import Foundation
import HostCommandSupport
import Testing

/// The built `airlockd` binary at start and on signals: it trusts only
/// state and rules in its own hands, one daemon owns a state directory,
/// and SIGHUP (sent by logrotate scripts) does not kill it.
@Suite("airlockd start-up and signals", .serialized, .enabled(if: getuid() == 0, "chown needs root"))
struct DaemonStartupTests {
    static let stranger: UInt32 = 4343
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("airlockd").path
    }

    /// A config in a fresh folder: its own socket, state and policy.
    struct Setup {
        let folder: String
        var config: String { folder + "/airlock.yaml" }
        var socket: String { folder + "/run/agent.sock" }
        var state: String { folder + "/state" }
        var policy: String { folder + "/policy.yaml" }

        init() throws {
            folder = try TestDaemon.makeDirectory().path
            try FileManager.default.createDirectory(atPath: folder + "/run", withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
            try String(contentsOf: DaemonStartupTests.repository.appendingPathComponent("Examples/policy.yaml"), encoding: .utf8)
                .write(toFile: policy, atomically: true, encoding: .utf8)
            try """
            server: { socket: run/agent.sock }
            audit: { database: state/audit.sqlite }
            profiles_dir: \(DaemonStartupTests.repository.appendingPathComponent("Profiles").path)
            policy: policy.yaml
            actors: [{ uid: 0, name: root-agent, roles: [agent] }]
            tools: []
            """.write(toFile: config, atomically: true, encoding: .utf8)
            chmod(config, 0o644)
            chmod(policy, 0o644)
        }

        /// Replaces the config's empty tool list with `tools` (YAML, from `tools:` on).
        func useTools(_ tools: String) throws {
            let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "tools: []", with: tools)
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            chmod(config, 0o644)
        }

        /// Starts the daemon and expects it to stop at once, with `message` on stderr and no socket.
        func expectRefusedStart(_ message: String) throws {
            let run = try start().finish()
            #expect(run.status != 0)
            #expect(run.stderrText.contains(message), "\(run.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: socket))
        }

        func start(_ extra: [String] = []) throws -> HostChild {
            try HostCommand.start(DaemonStartupTests.binary, ["--config", config] + extra, stdout: .null, stderr: .capture)
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Waits until `child` serves `socket` (true), or exits first (false).
    static func serving(_ child: HostChild, _ socket: String) async -> Bool {
        await eventually { FileManager.default.fileExists(atPath: socket) || !child.isRunning }
            && child.isRunning
    }

    static func auditRows(_ setup: Setup, kind: String? = nil) throws -> String {
        let query = "SELECT count(*) FROM audit_events" + (kind.map { " WHERE kind = '\($0)'" } ?? "")
        return try HostCommand.run("/usr/bin/sqlite3", [setup.state + "/audit.sqlite", query]).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aSecondDaemonOnTheSameStateStopsBeforeTouchingIt() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let first = try setup.start()
        defer { _ = first.kill(SIGKILL); first.wait() }
        #expect(await Self.serving(first, setup.socket))
        let rowsBefore = try Self.auditRows(setup)

        let second = try setup.start(["--socket", setup.folder + "/run/second.sock"]).finish()
        #expect(second.status != 0)
        #expect(second.stderrText.contains("another airlockd (pid \(first.pid)) is using the state directory"),
                "\(second.stderrText)")
        #expect(try Self.auditRows(setup) == rowsBefore, "the second daemon wrote to the first one's trail")
        #expect(!FileManager.default.fileExists(atPath: setup.folder + "/run/second.sock"))
        #expect(first.isRunning)
    }

    /// Two daemons with their own trails but one approval queue: the
    /// second stops before recovering (and failing) the first one's records.
    @Test func aSecondDaemonSharingOnlyTheApprovalQueueStops() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        try FileManager.default.createDirectory(atPath: setup.folder + "/queue", withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        let withQueue = try String(contentsOfFile: setup.config, encoding: .utf8) + """

        approvers:
          database: queue/approvals.sqlite
          admin_socket: { path: run/admin.sock }
          people: [{ uid: 65534, person: nobody, groups: [ops] }]
        """
        try withQueue.write(toFile: setup.config, atomically: true, encoding: .utf8)
        chmod(setup.config, 0o644)
        let other = setup.folder + "/other.yaml"
        try withQueue.replacingOccurrences(of: "state/audit.sqlite", with: "state2/audit.sqlite")
            .replacingOccurrences(of: "run/admin.sock", with: "run/admin2.sock")
            .write(toFile: other, atomically: true, encoding: .utf8)
        chmod(other, 0o644)

        let first = try setup.start()
        defer { _ = first.kill(SIGKILL); first.wait() }
        #expect(await Self.serving(first, setup.socket))
        let second = try HostCommand.start(Self.binary, ["--config", other, "--socket", setup.folder + "/run/second.sock"],
                                           stdout: .null, stderr: .capture).finish()
        #expect(second.status != 0)
        #expect(second.stderrText.contains("another airlockd (pid \(first.pid)) is using \(setup.folder)/queue/approvals.sqlite"),
                "\(second.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: setup.folder + "/run/second.sock"))
    }

    @Test func sighupIsIgnoredAndSigtermStopsCleanly() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let daemon = try setup.start()
        defer { _ = daemon.kill(SIGKILL); daemon.wait() }
        #expect(await Self.serving(daemon, setup.socket))
        #expect(daemon.kill(SIGHUP))
        let socket = setup.socket
        let ping = try await blocking { try AgentClient(socketPath: socket).request("ping") }
        #expect(ping == .object([:]))
        #expect(daemon.kill(SIGTERM))
        let ended = daemon.finish()
        #expect(ended.termination.reason == .exit && ended.status == 0, "\(ended.termination)")
        #expect(ended.stderrText.contains("SIGHUP ignored"), "\(ended.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: setup.socket), "the socket file must be removed")
    }

    @Test func stateAndRulesInOtherHandsAreRefused() async throws {
        // (what to change, the error it must give)
        let cases: [(String, (Setup) throws -> Void, String)] = [
            ("state owned by another uid", { setup in
                try FileManager.default.createDirectory(atPath: setup.state, withIntermediateDirectories: false)
                #expect(chown(setup.state, Self.stranger, Self.stranger) == 0)
            }, "the state directory"),
            ("state writable by others", { setup in
                try FileManager.default.createDirectory(atPath: setup.state, withIntermediateDirectories: false)
                #expect(chmod(setup.state, 0o777) == 0)
            }, "writable by group or others"),
            ("config writable by others", { setup in #expect(chmod(setup.config, 0o666) == 0) }, "the config"),
        ]
        for (label, spoil, expected) in cases {
            let setup = try Setup()
            defer { setup.remove() }
            try spoil(setup)
            let run = try setup.start().finish()
            #expect(run.status != 0, "\(label): started")
            #expect(run.stderrText.contains(expected), "\(label): \(run.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: setup.socket), "\(label): served anyway")
            #expect(!FileManager.default.fileExists(atPath: setup.state + "/audit.sqlite"), "\(label): opened the trail")
        }
    }

    /// A tool secret that could not be read at a call stops the daemon at
    /// start instead: here a file others can read, named relative to the
    /// config (not to wherever the daemon was started).
    @Test func anUnreadableToolSecretStopsTheStart() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        try FileManager.default.createDirectory(atPath: setup.folder + "/secrets", withIntermediateDirectories: false)
        try "db-password\n".write(toFile: setup.folder + "/secrets/db.key", atomically: true, encoding: .utf8)
        chmod(setup.folder + "/secrets/db.key", 0o644)
        try setup.useTools("""
        tools:
          - name: db
            description: Uses a password.
            inputSchema: { type: object, properties: {} }
            command: ["/bin/true"]
            profile: strict
            secrets:
              - { name: db, from_file: secrets/db.key, env: DB_PASSWORD }
        """)
        try setup.expectRefusedStart("tool db: secret db: \(setup.folder)/secrets/db.key has mode 644")

        chmod(setup.folder + "/secrets/db.key", 0o600)
        let daemon = try setup.start()
        defer { _ = daemon.kill(SIGKILL); daemon.wait() }
        #expect(await Self.serving(daemon, setup.socket), "the fixed secret must let it start")
    }

    /// A tool whose bind source is missing stops the start: otherwise every
    /// call would fail, blamed on the agent, a reviewed one only after a
    /// human approved it.
    @Test func aMissingBindSourceStopsTheStart() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        try setup.useTools("""
        tools:
          - name: reader
            description: Reads data.
            inputSchema: { type: object, properties: {} }
            command: ["/bin/true"]
            profile: strict
            binds:
              read_only: [{ source: \(setup.folder)/data, destination: /data }]
        """)
        try setup.expectRefusedStart("tool reader: bind source \(setup.folder)/data does not exist")

        try FileManager.default.createDirectory(atPath: setup.folder + "/data", withIntermediateDirectories: false)
        let daemon = try setup.start()
        defer { _ = daemon.kill(SIGKILL); daemon.wait() }
        #expect(await Self.serving(daemon, setup.socket), "the created source must let it start")
    }

    /// A profile that does not load names the tools that use it.
    @Test func anUnknownProfileNamesItsTools() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        try setup.useTools("""
        tools:
          - name: reader
            description: Reads data.
            inputSchema: { type: object, properties: {} }
            command: ["/bin/true"]
            profile: nope
        """)
        try setup.expectRefusedStart("profile 'nope' of tool reader:")
    }

    /// kill -9 while a call runs: the next start writes that call's outcome
    /// (its sandbox died with the daemon), and records the start itself.
    @Test func aCallInFlightWhenTheDaemonDiesGetsItsOutcomeAtTheNextStart() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        try (String(contentsOfFile: setup.policy, encoding: .utf8) + """

          - id: test-permit-nap
            effect: permit
            match: { tool: [nap] }
            reason: The crash test's tool.
        """).write(toFile: setup.policy, atomically: true, encoding: .utf8)
        chmod(setup.policy, 0o644)
        try setup.useTools("""
        tools:
          - name: nap
            description: Sleeps.
            inputSchema: { type: object, properties: {} }
            command: ["/bin/sleep", "30"]
            profile: strict
        """)

        let first = try setup.start()
        #expect(await Self.serving(first, setup.socket))
        let socket = setup.socket
        let caller = Task.detached { try? AgentClient(socketPath: socket).call("nap", [:]) }
        #expect(await eventually { ((try? Self.auditRows(setup, kind: "run.started")) ?? "0") != "0" }, "the call never started")
        #expect(first.kill(SIGKILL))
        first.wait()
        _ = await caller.value

        let second = try setup.start()
        defer { _ = second.kill(SIGKILL); second.wait() }
        // The first daemon's socket file is still there: wait for the
        // second one's own start record (each start writes one) instead.
        #expect(await eventually { ((try? Self.auditRows(setup, kind: "daemon.started")) ?? "0") == "2" },
                "the second daemon did not record its start")
        #expect(try Self.auditRows(setup, kind: "run.finished") == "1")
        let outcome = try HostCommand.run("/usr/bin/sqlite3", [setup.state + "/audit.sqlite",
            "SELECT event FROM audit_events WHERE kind = 'run.finished'"]).stdoutText
        #expect(outcome.contains("interrupted"), "\(outcome)")
    }

    /// A policy another user could rewrite is not loaded: the daemon
    /// serves, and every call is refused with the reason (fail closed).
    @Test func aPolicyInOtherHandsRefusesEveryCall() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        #expect(chown(setup.policy, Self.stranger, Self.stranger) == 0)
        let daemon = try setup.start()
        defer { _ = daemon.kill(SIGKILL); daemon.wait() }
        #expect(await Self.serving(daemon, setup.socket))
        _ = daemon.kill(SIGTERM)
        let ended = daemon.finish()
        #expect(ended.stderrText.contains("policy failed to load"), "\(ended.stderrText)")
        #expect(ended.stderrText.contains("belongs to uid \(Self.stranger)"), "\(ended.stderrText)")
    }
}
