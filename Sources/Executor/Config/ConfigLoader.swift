import AirlockCore
import Approvals
import Foundation

/// Loads and validates the daemon's YAML config. Unknown keys are errors
/// (a typo must not silently become a default), and every error names the
/// file, line and setting.
public enum ConfigLoader {
    static let topLevelKeys: Set<String> = [
        "server", "execution", "actors", "default_actor", "tools", "profiles_dir", "policy", "approvers", "webhooks",
        "audit", "keys_dir", "credentials",
    ]

    /// `environment` is where secrets the config names with `secret_env`
    /// (webhook signing keys) are read.
    public static func load(file: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfig {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw AirlockError(.invalidConfig, "cannot read config \(url.path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: url.path, environment: environment)
    }

    /// Parses config text; `file` names it in errors and anchors relative paths.
    public static func parse(yaml: String, file: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfig {
        let root = try ConfigNode.parse(yaml: yaml, file: file)
        try root.requireKeys(within: topLevelKeys)
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        func path(_ key: String) throws -> String? {
            try root.optional(key).map { resolve(try $0.string(), against: directory) }
        }

        let toolsNode = try root.required("tools")
        let tools = try toolsNode.items().map { try ToolDefinitionParser.parse($0, configDirectory: directory) }
        let catalog: ToolCatalog
        do {
            catalog = try ToolCatalog(tools)
        } catch let error as AirlockError {
            throw toolsNode.error(error.message)
        }

        var auditDatabase: String?
        var auditCheckpoints = AuditCheckpointSettings()
        if let auditNode = try root.optional("audit") {
            try auditNode.requireKeys(within: ["database", "anchor_file", "checkpoint_every_events",
                                               "checkpoint_every_seconds"])
            auditDatabase = try auditNode.optional("database").map { try stateFile($0, against: directory) }
            auditCheckpoints.anchorFile = try auditNode.optional("anchor_file").map { try stateFile($0, against: directory) }
            if let n = try auditNode.optional("checkpoint_every_events") {
                auditCheckpoints.everyEvents = Int(try n.uint64(in: 1...1_000_000))
            }
            if let n = try auditNode.optional("checkpoint_every_seconds") { auditCheckpoints.everySeconds = try n.seconds() }
        }

        var webhooks: [WebhookTarget] = []
        if let webhooksNode = try root.optional("webhooks") {
            webhooks = try WebhookConfigParser.parse(webhooksNode, configDirectory: directory, environment: environment)
            // Webhooks announce pending approvals; without approvers there are none.
            if !webhooks.isEmpty, try root.optional("approvers").map({ !$0.isNull }) != true {
                throw webhooksNode.error("webhooks announce pending approvals, but there is no 'approvers:' section, "
                    + "so review decisions are refused and nothing would ever be posted; add approvers or remove webhooks")
            }
        }

        return DaemonConfig(
            file: file,
            server: try root.optional("server").map { try parseServer($0, directory) } ?? ServerSettings(),
            execution: try root.optional("execution").map(parseExecution) ?? ExecutionSettings(),
            actors: try parseActors(root),
            catalog: catalog,
            profilesDirectory: try path("profiles_dir"),
            policyPath: try path("policy"),
            approvers: try root.optional("approvers")?.json(),
            webhooks: webhooks,
            auditDatabase: auditDatabase,
            auditCheckpoints: auditCheckpoints,
            keysDirectory: try path("keys_dir"),
            credentials: try root.optional("credentials").map(parseCredentials) ?? CredentialSettings())
    }

    /// `credentials: { max_token_lifetime_seconds: 60, rotate_keys_after_days: 30 }`.
    /// A token's lifetime is capped at an hour: it is meant to expire
    /// seconds after the one action it was minted for.
    static func parseCredentials(_ node: ConfigNode) throws -> CredentialSettings {
        try node.requireKeys(within: ["max_token_lifetime_seconds", "rotate_keys_after_days"])
        var settings = CredentialSettings()
        if let value = try node.optional("max_token_lifetime_seconds") {
            let seconds = try value.seconds()
            guard seconds >= 1, seconds <= 3600 else { throw value.error("must be between 1 and 3600 seconds") }
            settings.maxTokenLifetime = .milliseconds(Int64(seconds * 1000))
        }
        if let value = try node.optional("rotate_keys_after_days") {
            let days = try value.uint64(atLeast: 1)
            guard days <= 3650 else { throw value.error("must be between 1 and 3650 days") }
            settings.rotateKeysAfter = .seconds(Int64(days) * 86_400)
        }
        return settings
    }

    /// A file the daemon creates or appends to. A folder there (an empty
    /// value, a trailing slash, an existing directory) would otherwise put
    /// the daemon's state beside it, in a folder it then narrows to 0700.
    static func stateFile(_ node: ConfigNode, against directory: String) throws -> String {
        let text = try node.string()
        guard !text.isEmpty, !text.hasSuffix("/") else { throw node.error("must name a file, not a folder: \"\(text)\"") }
        let path = resolve(text, against: directory)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw node.error("\(path) is a folder; name a file in it")
        }
        return path
    }

    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
            .standardizedFileURL.path
    }

    static func parseServer(_ node: ConfigNode, _ directory: String) throws -> ServerSettings {
        try node.requireKeys(within: [
            "socket", "socket_mode", "socket_group", "frame_limit_bytes", "outbound_limit_bytes",
            "partial_line_timeout_seconds", "slow_reader_timeout_seconds", "max_connections",
            "max_connections_per_uid", "max_calls_per_connection", "max_calls_per_uid", "shutdown_grace_seconds",
            "progress_interval_seconds",
        ])
        var s = ServerSettings()
        if let n = try node.optional("socket") { s.socketPath = resolve(try n.string(), against: directory) }
        if let n = try node.optional("socket_mode") {
            // Written as a quoted octal string ("0660") so YAML does not read it as decimal.
            guard let mode = UInt32(try n.string(), radix: 8), mode <= 0o777 else {
                throw n.error("socket_mode is an octal string such as \"0660\"")
            }
            s.socketMode = mode
        }
        if let n = try node.optional("socket_group") { s.socketGroup = try n.string() }
        if let n = try node.optional("frame_limit_bytes") { s.frameLimitBytes = Int(try n.uint64(atLeast: 1024)) }
        if let n = try node.optional("outbound_limit_bytes") { s.outboundLimitBytes = Int(try n.uint64(atLeast: 65536)) }
        if let n = try node.optional("partial_line_timeout_seconds") { s.partialLineTimeoutSeconds = try n.seconds() }
        if let n = try node.optional("slow_reader_timeout_seconds") { s.slowReaderTimeoutSeconds = try n.seconds() }
        if let n = try node.optional("max_connections") { s.maxConnections = Int(try n.uint64(atLeast: 1)) }
        if let n = try node.optional("max_connections_per_uid") { s.maxConnectionsPerUID = Int(try n.uint64(atLeast: 1)) }
        if let n = try node.optional("max_calls_per_connection") { s.maxCallsPerConnection = Int(try n.uint64(atLeast: 1)) }
        if let n = try node.optional("max_calls_per_uid") { s.maxCallsPerUID = Int(try n.uint64(atLeast: 1)) }
        if let n = try node.optional("shutdown_grace_seconds") { s.shutdownGraceSeconds = try n.seconds(allowZero: true) }
        if let n = try node.optional("progress_interval_seconds") { s.progressIntervalSeconds = try n.seconds() }
        return s
    }

    static func parseExecution(_ node: ConfigNode) throws -> ExecutionSettings {
        try node.requireKeys(within: ["max_running", "max_queued", "queue_timeout_seconds"])
        var e = ExecutionSettings()
        if let n = try node.optional("max_running") { e.maxRunning = Int(try n.uint64(atLeast: 1)) }
        if let n = try node.optional("max_queued") { e.maxQueued = Int(try n.uint64()) }
        if let n = try node.optional("queue_timeout_seconds") { e.queueTimeoutSeconds = try n.seconds() }
        return e
    }

    static func parseActors(_ root: ConfigNode) throws -> ActorDirectory {
        var directory = ActorDirectory()
        for item in try root.optional("actors")?.items() ?? [] {
            try item.requireKeys(within: ["uid", "name", "roles", "owner"])
            let uidNode = try item.required("uid")
            let uid = try uidNode.uint64()
            guard uid <= UInt64(UInt32.max) else { throw uidNode.error("not a uid") }
            let entry = ActorDirectory.Entry(
                name: try item.required("name").string(),
                roles: try item.optional("roles")?.stringList() ?? [],
                owner: try item.optional("owner")?.string())
            guard directory.byUID.updateValue(entry, forKey: UInt32(uid)) == nil else {
                throw uidNode.error("uid \(uid) is mapped twice")
            }
        }
        // Absent means refuse: an unlisted local user gets nothing by default.
        if let node = try root.optional("default_actor") {
            if case .scalar = node.node {
                guard try node.string() == "refuse" else {
                    throw node.error("default_actor is 'refuse' or a mapping {name, roles, owner}")
                }
            } else {
                try node.requireKeys(within: ["name", "roles", "owner"])
                directory.defaultEntry = ActorDirectory.Entry(
                    name: try node.optional("name")?.string(),
                    roles: try node.optional("roles")?.stringList() ?? [],
                    owner: try node.optional("owner")?.string())
            }
        }
        return directory
    }
}
