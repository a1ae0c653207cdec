import AirlockCore
import Credentials
import Sandbox

/// One tool an admin defined in the catalog: what agents see (name,
/// description, schema) and how a call becomes a confined launch.
public struct ToolDefinition: Sendable {
    public var name: String
    /// Optional human-friendly name (MCP `title`).
    public var title: String?
    public var description: String
    public var inputSchema: JSONSchema
    public var command: ArgvTemplate
    /// Name of a string argument whose UTF-8 bytes become the child's stdin.
    public var stdinArgument: String?
    /// Sandbox profile the call runs under.
    public var profile: String
    /// What `profile` resolved to (its digest), set by the executor from its
    /// `ProfileSource` before an approval is asked or resumed (see
    /// `definitionDigest`); nil in a catalog as parsed.
    public var profileDigest: String? = nil
    public var limits: LimitOverrides
    public var workdir: WorkdirPolicy
    /// Host paths the admin binds into this tool's sandbox on top of the profile.
    public var readOnlyBinds: [BindMount]
    public var writableBinds: [BindMount]
    /// Which intent extractors read which arguments (for the guardrails).
    public var intent: [IntentDeclaration]
    /// Secrets this tool may receive once a call passed policy and approval.
    public var secrets: [SecretDeclaration]
    /// MCP tool annotations (`readOnlyHint`, ...), published as written.
    public var annotations: JSONValue?

    /// The MCP `Tool` object `tools/list` publishes: only what the agent
    /// needs, never the command, binds or secrets.
    public var descriptor: JSONValue {
        var tool: [String: JSONValue] = [
            "name": .string(name), "description": .string(description), "inputSchema": inputSchema.source,
        ]
        if let title { tool["title"] = .string(title) }
        if let annotations { tool["annotations"] = annotations }
        return .object(tool)
    }
}

/// Per-tool limits. They can only tighten the profile's: the launch gets the
/// smaller of the two for every limit, so a catalog edit can never make a
/// profile weaker than its author wrote it.
public struct LimitOverrides: Sendable, Hashable {
    public var wallSeconds: Double?
    public var cpuSeconds: UInt64?
    public var memoryBytes: UInt64?
    public var processes: UInt64?
    public var outputBytes: UInt64?
    public var fileSizeBytes: UInt64?
    public var openFiles: UInt64?

    public init(wallSeconds: Double? = nil, cpuSeconds: UInt64? = nil, memoryBytes: UInt64? = nil,
                processes: UInt64? = nil, outputBytes: UInt64? = nil, fileSizeBytes: UInt64? = nil,
                openFiles: UInt64? = nil) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.outputBytes = outputBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
    }

    public var isEmpty: Bool { self == LimitOverrides() }

    /// The profile's limits with each override applied only where it is smaller.
    public func tightening(_ profile: ResourceLimits) -> ResourceLimits {
        var limits = profile
        if let wallSeconds { limits.wallSeconds = min(limits.wallSeconds, wallSeconds) }
        if let cpuSeconds { limits.cpuSeconds = min(limits.cpuSeconds, cpuSeconds) }
        if let memoryBytes { limits.memoryBytes = min(limits.memoryBytes, memoryBytes) }
        if let processes { limits.processes = min(limits.processes, processes) }
        if let outputBytes { limits.outputBytes = min(limits.outputBytes, outputBytes) }
        if let fileSizeBytes { limits.fileSizeBytes = min(limits.fileSizeBytes, fileSizeBytes) }
        if let openFiles { limits.openFiles = min(limits.openFiles, openFiles) }
        return limits
    }
}

/// Where inside the sandbox the command starts.
public enum WorkdirPolicy: Sendable, Hashable {
    /// The profile's per-run workspace (or `/` when it has none).
    case workspace
    /// A fixed absolute path inside the sandbox.
    case fixed(String)
    /// The value of a string argument, resolved lexically (`.` and `..`
    /// folded, relative paths taken from `within`) and refused unless the
    /// result stays at or below `within`.
    case argument(name: String, within: String)
}

/// "Intent extractor E reads argument A" — plain data for the guardrails,
/// which own the extractors themselves.
public struct IntentDeclaration: Sendable, Hashable, Codable {
    public enum Extractor: String, Sendable, Hashable, Codable, CaseIterable {
        case sql, shell, network
    }

    public var extractor: Extractor
    public var argument: String

    public init(extractor: Extractor, argument: String) {
        self.extractor = extractor
        self.argument = argument
    }
}
