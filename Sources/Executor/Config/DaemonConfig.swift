import AirlockCore
import Approvals
import Foundation

/// Everything `airlockd` reads from its config file, already validated.
///
/// Settings for modules that plug into the pipeline later (policy,
/// approvers, audit store, keys) are kept here as paths or raw JSON so the
/// config format is stable now; their modules parse them.
public struct DaemonConfig: Sendable {
    /// Absolute path of the file this came from (relative paths in it are
    /// resolved against its directory).
    public var file: String
    public var server: ServerSettings
    public var execution: ExecutionSettings
    public var actors: ActorDirectory
    public var catalog: ToolCatalog
    /// Directory holding the sandbox profiles (`*.yaml`).
    public var profilesDirectory: String?
    /// The guardrail policy file.
    public var policyPath: String?
    /// Approver groups and people (parsed by the approvals module).
    public var approvers: JSONValue?
    /// Where each new pending approval is posted, with signing secrets
    /// already read (a target's description never shows its secret).
    public var webhooks: [WebhookTarget]
    /// The audit store (SQLite file).
    public var auditDatabase: String?
    /// How often the trail is signed and where each signature is published.
    public var auditCheckpoints: AuditCheckpointSettings
    /// Directory of the daemon's signing keys.
    public var keysDirectory: String?
    /// Credential settings: the token lifetime cap and key rotation.
    public var credentials: CredentialSettings

    public init(file: String, server: ServerSettings = ServerSettings(), execution: ExecutionSettings = ExecutionSettings(),
                actors: ActorDirectory = ActorDirectory(), catalog: ToolCatalog, profilesDirectory: String? = nil,
                policyPath: String? = nil, approvers: JSONValue? = nil, webhooks: [WebhookTarget] = [],
                auditDatabase: String? = nil, auditCheckpoints: AuditCheckpointSettings = AuditCheckpointSettings(),
                keysDirectory: String? = nil, credentials: CredentialSettings = CredentialSettings()) {
        self.file = file
        self.server = server
        self.execution = execution
        self.actors = actors
        self.catalog = catalog
        self.profilesDirectory = profilesDirectory
        self.policyPath = policyPath
        self.approvers = approvers
        self.webhooks = webhooks
        self.auditDatabase = auditDatabase
        self.auditCheckpoints = auditCheckpoints
        self.keysDirectory = keysDirectory
        self.credentials = credentials
    }
}

/// The audit trail's signed checkpoints: every `everyEvents` events and,
/// when new records exist, every `everySeconds`; each one is appended to
/// `anchorFile`, outside the database, which is what shows a cut-off tail
/// or an older copy put back. Keep that file where the daemon's host can't
/// rewrite it (`chattr +a`, a mount shipped elsewhere).
public struct AuditCheckpointSettings: Sendable, Hashable {
    /// nil: `audit-anchors.jsonl` beside the audit database.
    public var anchorFile: String?
    public var everyEvents: Int
    public var everySeconds: Double

    public init(anchorFile: String? = nil, everyEvents: Int = 1000, everySeconds: Double = 60) {
        self.anchorFile = anchorFile
        self.everyEvents = everyEvents
        self.everySeconds = everySeconds
    }
}

/// The agent socket and the protections every connection gets. Each limit
/// exists so that one misbehaving client cannot cost the others anything.
public struct ServerSettings: Sendable, Hashable {
    /// nil: the default runtime path (see `DefaultPaths`).
    public var socketPath: String?
    public var socketMode: UInt32
    /// Group owning the socket file (name or numeric gid); nil keeps the daemon's.
    public var socketGroup: String?
    /// Longest accepted line; longer ones get an error and a disconnect.
    public var frameLimitBytes: Int
    /// Replies queued to a client that does not read; beyond it, disconnect.
    public var outboundLimitBytes: Int
    /// How long half a line may sit without its newline.
    public var partialLineTimeoutSeconds: Double
    /// How long a client may leave replies unread before it is dropped.
    public var slowReaderTimeoutSeconds: Double
    public var maxConnections: Int
    /// Connections one peer uid may hold, so one local user cannot take
    /// every slot (at most `maxConnections`).
    public var maxConnectionsPerUID: Int
    public var maxCallsPerConnection: Int
    /// Calls running or queued for one peer uid across its connections, so
    /// one agent cannot fill the queue every other agent waits in.
    public var maxCallsPerUID: Int
    /// On SIGTERM/SIGINT running calls get this long before they are cancelled.
    public var shutdownGraceSeconds: Double
    /// Interval of `notifications/progress` while a call runs (when asked for).
    public var progressIntervalSeconds: Double

    public init(socketPath: String? = nil, socketMode: UInt32 = 0o660, socketGroup: String? = nil,
                frameLimitBytes: Int = 1 << 20, outboundLimitBytes: Int = 16 << 20,
                partialLineTimeoutSeconds: Double = 10, slowReaderTimeoutSeconds: Double = 30,
                maxConnections: Int = 128, maxConnectionsPerUID: Int = 32, maxCallsPerConnection: Int = 64,
                maxCallsPerUID: Int = 32, shutdownGraceSeconds: Double = 10, progressIntervalSeconds: Double = 1) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.frameLimitBytes = frameLimitBytes
        self.outboundLimitBytes = outboundLimitBytes
        self.partialLineTimeoutSeconds = partialLineTimeoutSeconds
        self.slowReaderTimeoutSeconds = slowReaderTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.maxCallsPerConnection = maxCallsPerConnection
        self.maxCallsPerUID = maxCallsPerUID
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.progressIntervalSeconds = progressIntervalSeconds
    }
}

/// How many sandboxes run at once and how many calls may wait for one.
public struct ExecutionSettings: Sendable, Hashable {
    public var maxRunning: Int
    public var maxQueued: Int
    /// A queued call that has not started after this long gets "busy".
    public var queueTimeoutSeconds: Double

    public init(maxRunning: Int = 16, maxQueued: Int = 256, queueTimeoutSeconds: Double = 30) {
        self.maxRunning = maxRunning
        self.maxQueued = maxQueued
        self.queueTimeoutSeconds = queueTimeoutSeconds
    }
}

/// The `credentials:` section: how long a per-action token may live at
/// most (never longer than the run's wall limit either) and when the
/// signing key is rotated.
public struct CredentialSettings: Sendable, Hashable {
    public var maxTokenLifetime: Duration
    /// nil: the key is never rotated by age.
    public var rotateKeysAfter: Duration?

    public init(maxTokenLifetime: Duration = .seconds(60), rotateKeysAfter: Duration? = nil) {
        self.maxTokenLifetime = maxTokenLifetime
        self.rotateKeysAfter = rotateKeysAfter
    }
}
