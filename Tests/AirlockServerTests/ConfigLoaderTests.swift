import AirlockCore
import Credentials
import Sandbox
import Foundation
import Testing
@testable import Executor

@Suite("daemon config")
struct ConfigLoaderTests {
    static let examplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples")

    func parse(_ yaml: String) throws -> DaemonConfig { try ConfigLoader.parse(yaml: yaml, file: "/etc/airlock/test.yaml") }

    func error(_ yaml: String) -> String {
        do {
            _ = try parse(yaml)
            return "no error"
        } catch {
            return (error as? AirlockError)?.message ?? "\(error)"
        }
    }

    /// The credentials section is read, not just accepted: an unknown key
    /// is an error with its line, and the lifetime cap and rotation reach
    /// the settings the daemon builds its minter and key ring from.
    @Test func theCredentialsSectionIsStrictAndApplied() throws {
        let settings = try parse("tools: []\ncredentials: { max_token_lifetime_seconds: 5, rotate_keys_after_days: 7 }").credentials
        #expect(settings.maxTokenLifetime == .seconds(5))
        #expect(settings.rotateKeysAfter == .seconds(7 * 86_400))
        #expect(try parse("tools: []").credentials == CredentialSettings())
        #expect(error("tools: []\ncredentials: { token_ttl_seconds: 5 }").contains("token_ttl_seconds"))
        #expect(error("tools: []\ncredentials: { max_token_lifetime_seconds: 7200 }").contains("between 1 and 3600"))
        #expect(error("tools: []\ncredentials: { rotate_keys_after_days: 0 }").contains("rotate_keys_after_days"))
    }

    @Test func theShippedExampleLoads() throws {
        let config = try ConfigLoader.load(file: Self.examplesDirectory.appendingPathComponent("airlock.yaml").path)
        let names = config.catalog.tools.map(\.name)
        #expect(names == ["run_shell", "run_python", "read_file", "sqlite_query", "http_get"])
        #expect(config.catalog["http_get"]?.profile == "network")
        #expect(config.catalog["sqlite_query"]?.intent == [IntentDeclaration(extractor: .sql, argument: "query")])
        #expect(config.catalog["read_file"]?.readOnlyBinds.first?.source == Self.examplesDirectory.appendingPathComponent("workspace").path)
        #expect(config.server.socketMode == 0o660)
        #expect(config.actors.byUID[0]?.name == "root-agent")
        #expect(config.profilesDirectory?.hasSuffix("/Profiles") == true)
    }

    @Test func theSampleDatabaseExists() {
        #expect(FileManager.default.fileExists(atPath: Self.examplesDirectory.appendingPathComponent("sample/sample.db").path))
    }

    @Test func readFileRefusesPathsOutsideTheWorkspace() throws {
        let config = try ConfigLoader.load(file: Self.examplesDirectory.appendingPathComponent("airlock.yaml").path)
        let schema = try #require(config.catalog["read_file"]?.inputSchema)
        for path in ["/etc/passwd", "../x", "a/../../b", "..", "a/.."] {
            #expect(!schema.violations(of: ["path": .string(path)]).isEmpty, "\(path)")
        }
        for path in ["notes.md", "dir/file.txt", "a..b", ".hidden"] {
            #expect(schema.violations(of: ["path": .string(path)]).isEmpty, "\(path)")
        }
    }

    @Test func unknownKeysAreErrorsWithTheirLine() {
        #expect(error("tools: []\nexecution:\n  max_runing: 3\n").hasPrefix("/etc/airlock/test.yaml:3: execution.max_runing: unknown key"))
        #expect(error("tools: []\nbogus: 1\n").contains("unknown key 'bogus'"))
    }

    /// A folder named where the daemon keeps a file would put its state
    /// (lock, keys, token registry) beside it instead, in /var/lib or /etc.
    @Test(arguments: ["\"\"", "/var/lib/airlock/", "/tmp"])
    func auditFilesMustBeFiles(value: String) {
        for key in ["database", "anchor_file"] {
            let message = error("tools: []\naudit:\n  \(key): \(value)\n")
            #expect(message.hasPrefix("/etc/airlock/test.yaml:3: audit.\(key):"), "\(message)")
            #expect(message.contains("folder"), "\(message)")
        }
    }

    @Test func toolErrorsNameTheTool() {
        let yaml = """
        tools:
          - name: t
            description: d
            inputSchema: { type: object, properties: { a: { type: string } } }
            command: ["echo", "{{b}}"]
            profile: p
        """
        #expect(error(yaml).contains("argument 'b' is not declared"))
        #expect(error(yaml.replacingOccurrences(of: "{{b}}", with: "x{{a}}")).contains("embeds a placeholder"))
        #expect(error(yaml.replacingOccurrences(of: "type: object,", with: "type: array,")).contains("must have type: object"))
        #expect(error(yaml.replacingOccurrences(of: "{{b}}", with: "{{a}}") + "\n    stdin: a\n    workdir: relative\n")
            .contains("workdir is"))
    }

    @Test func duplicateToolsAndActorsAreErrors() {
        let tool = "  - { name: t, description: d, inputSchema: { type: object }, command: [true], profile: p }\n"
        #expect(error("tools:\n" + tool + tool).contains("defined twice"))
        #expect(error("tools: []\nactors:\n  - { uid: 5, name: a }\n  - { uid: 5, name: b }\n").contains("mapped twice"))
    }

    @Test func defaultActorIsRefuseUnlessConfigured() throws {
        #expect(try parse("tools: []").actors.defaultEntry == nil)
        #expect(try parse("tools: []\ndefault_actor: refuse").actors.defaultEntry == nil)
        #expect(try parse("tools: []\ndefault_actor: { roles: [guest] }").actors.defaultEntry?.roles == ["guest"])
        #expect(error("tools: []\ndefault_actor: allow").contains("default_actor is 'refuse'"))
    }

    @Test func actorsResolveByUID() throws {
        let config = try parse("tools: []\nactors:\n  - { uid: 1000, name: dev, roles: [r], owner: alice }\n")
        let actor = try config.actors.actor(uid: 1000, gid: 100, pid: 42)
        #expect(actor == Actor(name: "dev", roles: ["r"], uid: 1000, gid: 100, pid: 42, owner: "alice"))
        let refusal = #expect(throws: AirlockError.self) { try config.actors.actor(uid: 1001, gid: 100, pid: 43) }
        #expect(refusal?.code == .forbidden)
    }

    /// A tool whose limits no launch would accept is refused when the
    /// catalog loads, with the range (the engine refuses it again at launch).
    @Test(arguments: [
        ("memory_bytes: 1", "must be between 1048576 and 1099511627776"),
        ("wall_seconds: 1.0e300", "must be between 0.001 and 604800.0"),
        ("output_bytes: 0", "must be between 1 and 268435456"),
        ("open_files: 99999999999", "must be between 1 and 1048576"),
    ])
    func toolLimitsOutOfRangeAreRefused(limit: String, message: String) throws {
        let refusal = #expect(throws: AirlockError.self) { try parse(Self.oneTool("limits: { \(limit) }")) }
        #expect(refusal?.message.contains(message) == true, "\(refusal?.message ?? "")")
    }

    /// A catalog of one tool `t` (profile `p`), with `extra` lines of its own.
    static func oneTool(_ extra: String) -> String {
        """
        tools:
          - name: t
            description: d
            inputSchema: { type: object }
            command: [env]
            profile: p
        """ + extra.split(separator: "\n").map { "\n    " + $0 }.joined() + "\n"
    }

    @Test(arguments: ["slow_reader_timeout_seconds: 1.0e300", "partial_line_timeout_seconds: -1", "shutdown_grace_seconds: .nan"])
    func serverDurationsOutOfRangeAreRefused(setting: String) throws {
        let refusal = #expect(throws: AirlockError.self) { try parse("server:\n  \(setting)\ntools: []\n") }
        #expect(refusal?.message.contains("86400") == true, "\(refusal?.message ?? "")")
    }

    @Test func auditCheckpointSettingsAreParsed() throws {
        let defaults = try parse("tools: []\n").auditCheckpoints
        #expect(defaults == AuditCheckpointSettings(anchorFile: nil, everyEvents: 1000, everySeconds: 60))
        let set = try parse("""
            audit:
              anchor_file: anchors/audit.jsonl
              checkpoint_every_events: 50
              checkpoint_every_seconds: 5
            tools: []
            """).auditCheckpoints
        #expect(set == AuditCheckpointSettings(anchorFile: "/etc/airlock/anchors/audit.jsonl", everyEvents: 50, everySeconds: 5))
        #expect(error("audit:\n  checkpoint_every_events: 0\ntools: []\n").contains("must be between 1 and 1000000"))
    }

    @Test func secretsAndLimitsAreParsed() throws {
        let config = try parse(Self.oneTool("""
            limits: { wall_seconds: 2.5, memory_bytes: 1048576 }
            secrets:
              - { name: gh, from_env: GH_TOKEN, env: GITHUB_TOKEN }
              - { name: db, from_file: /etc/airlock/db, env: DB_PASSWORD }
            """))
        let tool = try #require(config.catalog["t"])
        #expect(tool.secrets == [
            SecretDeclaration(name: "gh", source: .environment("GH_TOKEN"), environmentVariable: "GITHUB_TOKEN"),
            SecretDeclaration(name: "db", source: .file("/etc/airlock/db"), environmentVariable: "DB_PASSWORD"),
        ])
        #expect(tool.limits == LimitOverrides(wallSeconds: 2.5, memoryBytes: 1 << 20))
        #expect(!tool.descriptor.canonicalText.contains("GH_TOKEN"))
    }

    @Test func aSecretNameOrVariableDeclaredTwiceIsRefused() {
        #expect(error(Self.oneTool("""
            secrets:
              - { name: gh, from_env: A, env: X }
              - { name: gh, from_env: B, env: Y }
            """)).contains("secret 'gh' is declared twice"))
        #expect(error(Self.oneTool("""
            secrets:
              - { name: a, from_env: A, env: X }
              - { name: b, from_env: B, env: X }
            """)).contains("two secrets are given to variable X"))
    }

    @Test func limitOverridesOnlyTighten() {
        let profile = ResourceLimits(wallSeconds: 10, cpuSeconds: 10, memoryBytes: 100)
        let limits = LimitOverrides(wallSeconds: 60, cpuSeconds: 2, memoryBytes: 1000).tightening(profile)
        #expect(limits.wallSeconds == 10)
        #expect(limits.cpuSeconds == 2)
        #expect(limits.memoryBytes == 100)
    }

    @Test func workdirArgumentsStayInside() throws {
        #expect(try PreparedLaunch.contained("src/app", within: "/workspace", argument: "d") == "/workspace/src/app")
        #expect(try PreparedLaunch.contained("/workspace/x/../y", within: "/workspace", argument: "d") == "/workspace/y")
        #expect(throws: AirlockError.self) { try PreparedLaunch.contained("../etc", within: "/workspace", argument: "d") }
        // Compared on bytes: a combining mark does not swallow the '/' after
        // it, and a differently encoded name is another name.
        #expect(try PreparedLaunch.contained("a\u{600}/../x", within: "/workspace", argument: "d") == "/workspace/x")
        #expect(throws: AirlockError.self) { try PreparedLaunch.contained("/srv/cafe\u{301}/x", within: "/srv/caf\u{E9}", argument: "d") }
        #expect(throws: AirlockError.self) { try PreparedLaunch.contained("/etc", within: "/workspace", argument: "d") }
        #expect(throws: AirlockError.self) { try PreparedLaunch.contained("/workspace2", within: "/workspace", argument: "d") }
    }
}
