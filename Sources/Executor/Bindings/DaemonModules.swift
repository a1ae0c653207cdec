import AirlockCore
import Audit
import Credentials
import Crypto
import Foundation
import Guardrails
import Logging
import Sandbox

/// Builds every pipeline step from the daemon config. Each module that
/// fails to come up is replaced by its fail-closed stand-in, which refuses
/// every call with the reason; the failure is logged and (when the audit
/// store is up) audited.
public struct DaemonModules: Sendable {
    public var hooks: PipelineHooks
    public var audit: AuditStore?
    public var policy: Policy?
    public var stateDirectory: String

    /// Where the daemon keeps its state unless the config says otherwise:
    /// the audit trail's directory (/var/lib/airlock as root).
    public static var defaultStateDirectory: String {
        (AuditStore.defaultPath as NSString).deletingLastPathComponent
    }

    /// The folder of `config`'s audit trail, where the daemon keeps its
    /// state (keys, used tokens, the instance lock).
    public static func stateDirectory(for config: DaemonConfig) -> String {
        ((config.auditDatabase ?? AuditStore.defaultPath) as NSString).deletingLastPathComponent
    }

    /// `environment` is where tool secrets declared `from_env` are read.
    public static func compose(config: DaemonConfig, logger: Logger,
                               environment: [String: String] = ProcessInfo.processInfo.environment) async -> DaemonModules {
        let auditPath = config.auditDatabase ?? AuditStore.defaultPath
        let stateDirectory = Self.stateDirectory(for: config)
        let keysDirectory = config.keysDirectory ?? (stateDirectory as NSString).appendingPathComponent("keys")

        // Audit first: every later failure should be recorded.
        var auditStore: AuditStore?
        let audit: any AuditSink
        do {
            let checkpointKey = try AuditCheckpointKey.loadOrCreate(directory: stateDirectory)
            let settings = config.auditCheckpoints
            let anchors = AnchorFile(path: settings.anchorFile ?? Self.defaultAnchorFile(besides: auditPath))
            let store = try AuditStore(path: auditPath, signingKey: checkpointKey, checkpointEvery: settings.everyEvents,
                                       checkpointEverySeconds: settings.everySeconds,
                                       publish: Self.publisher(anchors, logger: logger))
            try await store.markStarted()
            auditStore = store
            audit = AuditStoreSink(store: store)
        } catch {
            let reason = Self.airlockError(error)
            logger.critical("audit store unavailable; every call will be refused", metadata: ["error": "\(reason.message)"])
            audit = UnavailableAuditSink(error: reason)
        }

        var policy: Policy?
        let decider: any PolicyDecider
        if let path = config.policyPath {
            do {
                try OwnedPath.requireFile(path, role: "the policy")
                let loaded = try Policy.load(path: path)
                policy = loaded
                decider = GuardrailsPolicyDecider(policy: loaded)
                try? await audit.append(AuditEvent(kind: .policyLoaded, fields: [
                    "path": .string(path), "revision": .string(loaded.revision), "status": "loaded"]))
            } catch {
                let reason = Self.airlockError(error)
                logger.critical("policy failed to load; every call will be refused", metadata: ["error": "\(reason.message)"])
                try? await audit.append(AuditEvent(kind: .policyLoaded, fields: [
                    "path": .string(path), "status": "failed", "error": .string(reason.message)]))
                decider = UnloadablePolicy(error: reason)
            }
        } else {
            decider = NoPolicyConfigured()
        }

        let credentials: any CredentialIssuer
        do {
            let ring = try SigningKeyRing.open(directory: keysDirectory, rotateAfter: config.credentials.rotateKeysAfter)
            let used = try UsedTokenRegistry(path: (stateDirectory as NSString).appendingPathComponent("used-tokens.sqlite"))
            credentials = TokenCredentialIssuer(minter: TokenMinter(ring: ring, maxLifetime: config.credentials.maxTokenLifetime),
                                                usedTokens: used, environment: environment,
                                                logger: logger)
        } catch {
            let reason = Self.airlockError(error)
            logger.critical("signing keys unavailable; every call will be refused", metadata: ["error": "\(reason.message)"])
            credentials = UnavailableCredentialIssuer(error: reason)
        }

        let hooks = PipelineHooks(policy: decider, approvals: NoApprovalFlowConfigured(), credentials: credentials, audit: audit)
        return DaemonModules(hooks: hooks, audit: auditStore, policy: policy, stateDirectory: stateDirectory)
    }

    /// `audit-anchors.jsonl` in the audit database's directory.
    public static func defaultAnchorFile(besides auditPath: String) -> String {
        ((auditPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit-anchors.jsonl")
    }

    /// Appends each checkpoint to the anchor file, then logs the same line:
    /// a log shipped off the host is a second copy of every anchor.
    static func publisher(_ anchors: AnchorFile, logger: Logger) -> CheckpointPublisher {
        { checkpoint in
            try anchors.append(checkpoint)
            logger.notice("audit checkpoint", metadata: ["anchor": "\(checkpoint.json.canonicalText)",
                                                         "anchor_file": "\(anchors.path)"])
        }
    }

    /// Writes the final checkpoint and closes the stores.
    public func close() async {
        try? await audit?.close()
    }

    static func airlockError(_ error: Error) -> AirlockError {
        if let error = error as? AirlockError { return error }
        return AirlockError(.internalError, "\(error)")
    }
}

/// The Ed25519 key that signs the audit trail's checkpoints, kept in the
/// state directory beside the trail (PEM, 0600; not with the token keys,
/// whose folder holds only JWKS material). Its public half is written next
/// to it for auditors once, when the key is made:
/// `airlock audit verify --public-key STATE/audit-checkpoint.pub.pem`.
///
/// A lost key is never silently replaced: if the public half is there but
/// the private one is gone, the daemon refuses to start its audit trail
/// (and so every call) until the key is restored; and a public half that
/// doesn't match the key is refused rather than rewritten, since auditors
/// may already hold it.
public enum AuditCheckpointKey {
    public static let fileName = "audit-checkpoint.pem"
    public static let publicFileName = "audit-checkpoint.pub.pem"

    public static func loadOrCreate(directory: String) throws -> Curve25519.Signing.PrivateKey {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let publicPath = (directory as NSString).appendingPathComponent(publicFileName)
        let published = FileManager.default.fileExists(atPath: publicPath)
        if try AuditKeys.loadPrivateKey(at: path) == nil, published {
            throw AirlockError(.auditUnavailable, "the audit checkpoint key \(path) is missing but its public key "
                + "\(publicPath) exists: restore the key; a new one would sign the trail in its place. To start over "
                + "with a new key on purpose, move the audit database, its anchor file and \(publicPath) aside")
        }
        let key = try AuditKeys.loadOrCreatePrivateKey(at: path)
        let pem = AuditKeys.publicKeyPEM(key.publicKey)
        guard published else {
            try pem.write(toFile: publicPath, atomically: true, encoding: .utf8)
            return key
        }
        guard let existing = try? String(contentsOfFile: publicPath, encoding: .utf8),
              (try? AuditKeys.publicKey(from: existing))?.rawRepresentation == key.publicKey.rawRepresentation else {
            throw AirlockError(.auditUnavailable, "\(publicPath) is not the public half of the audit checkpoint key "
                + "\(path): one of them was replaced; restore the pair that signed the trail")
        }
        return key
    }
}
