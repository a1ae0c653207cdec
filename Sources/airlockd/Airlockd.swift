import AirlockCore
import AirlockServer
import ArgumentParser
import Credentials
import Sandbox
import Executor
import Foundation
import Logging

/// `airlockd`: serves the tool catalog on the agent socket until SIGTERM or
/// SIGINT. This file is the composition root: it is the only place that
/// knows which implementation backs each pipeline step.
@main
struct Airlockd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airlockd",
        abstract: "Serve confined tool calls to agents over a Unix socket (MCP, newline-delimited JSON-RPC).")

    @Option(name: .long, help: "Daemon config (YAML). Without it the shipped example config is served.")
    var config: String?

    @Option(name: .long, help: "Socket path; overrides the config.")
    var socket: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel) is not a level: trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "airlockd")
        let signals = ShutdownSignals.install(logger: logger)

        let file = try config ?? EmbeddedDefaults.configFile()
        try OwnedPath.requireFile(file, role: "the config")
        var daemonConfig = try ConfigLoader.load(file: file)
        if let socket { daemonConfig.server.socketPath = socket }
        // Before any store is opened or recovered: nothing of another
        // daemon's state is touched if one is running.
        try InstanceLock.acquire(stateDirectory: DaemonModules.stateDirectory(for: daemonConfig))
        try Self.requireOwnedProfiles(daemonConfig.profilesDirectory ?? ShippedProfiles.directory())
        if let keys = daemonConfig.keysDirectory, FileManager.default.fileExists(atPath: keys) {
            // The token signing keys: whoever can replace them mints tokens
            // that downstream services accept.
            try OwnedPath.requireDirectory(keys, role: "the keys directory")
        }
        try Self.requireReadableSecrets(daemonConfig.catalog)
        try Self.requireBindSources(daemonConfig.catalog)
        let engine = try SandboxToolRunner.loading(profiles: daemonConfig.catalog.profileNames, from: daemonConfig.profilesDirectory,
                                                   usedBy: Dictionary(grouping: daemonConfig.catalog.tools, by: \.profile)
                                                       .mapValues { $0.map(\.name) })
        let modules = await PipelineComposition.modules(for: daemonConfig, logger: logger)
        if let audit = modules.audit {
            // Before any new call: the previous daemon's unfinished calls get
            // their outcome, then this start is recorded.
            let interrupted = try await InterruptedCalls.close(trailAt: audit.path, store: audit)
            if !interrupted.isEmpty {
                logger.warning("closed calls the previous daemon left unfinished", metadata: ["calls": "\(interrupted.count)"])
            }
            _ = try await audit.append(AuditEvent(kind: .daemonStarted, fields: [
                "pid": .int(Int64(getpid())), "interrupted_calls": .int(Int64(interrupted.count))]))
        }
        let approvals = try PipelineComposition.approvals(for: daemonConfig, modules: modules,
                                                          logger: Logger(label: "airlock.approvals"))
        var hooks = modules.hooks
        if let approvals { hooks.approvals = approvals.gate }
        let executor = try Executor(catalog: daemonConfig.catalog, runner: engine, profiles: engine,
                                    hooks: hooks,
                                    execution: daemonConfig.execution, logger: Logger(label: "airlock.executor"))
        if let approvals {
            if (approvals.databasePath as NSString).deletingLastPathComponent
                != DaemonModules.stateDirectory(for: daemonConfig) {
                try InstanceLock.acquire(store: approvals.databasePath)
            }
            let recovered = try await approvals.start()
            // Counts only: the records hold the calls' (unmasked) arguments.
            logger.info("approval queue ready", metadata: [
                "failed_runs": "\(recovered.failedRuns.count)", "expired": "\(recovered.expired.count)",
                "pending": "\(recovered.pending.count)", "approved": "\(recovered.approved.count)"])
        }
        let server = try await AgentServer.start(settings: daemonConfig.server, executor: executor,
                                                 actors: daemonConfig.actors, approvals: approvals?.gate,
                                                 logger: Logger(label: "airlock.server"))
        print("airlockd: config \(daemonConfig.file)")
        if let audit = modules.audit { print("airlockd: audit trail \(audit.path)") }
        if let path = approvals?.admin.socketPath { print("airlockd: approvals on \(path)") }
        if approvals != nil, !daemonConfig.webhooks.isEmpty {
            print("airlockd: new approvals posted to \(daemonConfig.webhooks.map(\.description).joined(separator: ", "))")
        }
        print("airlockd: serving \(daemonConfig.catalog.tools.count) tools on \(server.socketPath)")
        print("airlockd: try  AIRLOCK_SOCKET=\(server.socketPath) airlock tools")
        fflush(nil)  // all streams: the socket path must reach a piped log before we block

        let signal = await signals.next()
        logger.notice("received signal, stopping", metadata: ["signal": "\(signal)"])
        await server.shutdown()
        // Calls are over; the warm children waiting for a next one go too.
        engine.engine.killAll()
        await approvals?.shutdown()
        _ = try? await modules.audit?.append(AuditEvent(kind: .daemonStopped, fields: ["signal": .int(Int64(signal))]))
        await modules.close()
    }

    /// Every tool's secrets can be read now, under the rules they are read
    /// with at each run (a file the daemon's own and 0600, a variable set):
    /// otherwise each call of the tool would fail, and for a reviewed tool
    /// only after a human approved it. They are read again at each run, so
    /// a rotated secret needs no restart.
    static func requireReadableSecrets(_ catalog: ToolCatalog) throws {
        for tool in catalog.tools {
            for secret in tool.secrets {
                do {
                    _ = try SecretResolver.value(of: secret.source, named: secret.name)
                } catch let error as AirlockError {
                    throw AirlockError(.invalidConfig, "tool \(tool.name): \(error.message)")
                }
            }
        }
    }

    /// A tool's binds must exist when the daemon starts (optional ones
    /// aside): a missing source would fail every call as the agent's
    /// mistake, and a reviewed call only after a human approved it.
    static func requireBindSources(_ catalog: ToolCatalog) throws {
        for tool in catalog.tools {
            for bind in tool.readOnlyBinds + tool.writableBinds where !bind.optional {
                guard FileManager.default.fileExists(atPath: bind.source) else {
                    throw AirlockError(.invalidConfig, "tool \(tool.name): bind source \(bind.source) does not exist "
                        + "(create it, or mark the bind optional)")
                }
            }
        }
    }

    /// The sandbox profiles decide what every tool may do: their folder and
    /// files must be the daemon's own, like its config.
    static func requireOwnedProfiles(_ directory: String) throws {
        try OwnedPath.requireDirectory(directory, role: "the profiles directory")
        // The same listing the catalog loads from, so the two cannot differ.
        for (_, file) in try ProfileCatalog.profileFiles(in: directory).sorted(by: { $0.key < $1.key }) {
            try OwnedPath.requireFile(file.path, role: "the profile")
        }
    }
}
