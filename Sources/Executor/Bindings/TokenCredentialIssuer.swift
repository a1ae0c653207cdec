import AirlockCore
import Credentials
import Foundation
import Logging
import Sandbox

/// Mints the run's action-bound token and resolves the tool's secrets once
/// policy (and approval) passed. The token reaches the sandbox as
/// `AIRLOCK_TOKEN` and as a read-only file; it is marked used when the run
/// ends, so it can't be replayed afterwards. Until it expires it still
/// verifies, so it is handed back as `RunCredentials.token` for the executor
/// to mask out of whatever the tool prints.
public final class TokenCredentialIssuer: CredentialIssuer, @unchecked Sendable {
    private let minter: TokenMinter
    private let usedTokens: UsedTokenRegistry
    private let environment: [String: String]
    private let logger: Logger
    private let lock = NSLock()
    private var live: [String: ActionTokenClaims] = [:]

    public init(minter: TokenMinter, usedTokens: UsedTokenRegistry,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "airlock.credentials")) {
        self.logger = logger
        self.minter = minter
        self.usedTokens = usedTokens
        self.environment = environment
    }

    public func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials {
        let minted = try minter.mint(for: call, approvalID: approvalID, runWallLimit: .milliseconds(Int64(limits.wallSeconds * 1000)))
        let secrets = try SecretResolver.resolve(tool.secrets, environment: environment)
        var env = [ActionTokenInjection.environmentVariable: minted.token]
        for (declaration, secret) in zip(tool.secrets, secrets) { env[declaration.environmentVariable] = secret.value }
        lock.withLock { live[minted.claims.jti] = minted.claims }
        return RunCredentials(
            environment: env,
            files: [InjectedFile(path: ActionTokenInjection.filePath, contents: Data(minted.token.utf8), mode: 0o400)],
            secrets: Dictionary(secrets.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }), tokenID: minted.claims.jti,
            token: minted.token)
    }

    public func retire(_ credentials: RunCredentials, call: ToolCall) async {
        guard let jti = credentials.tokenID, let claims = lock.withLock({ live.removeValue(forKey: jti) }) else { return }
        do {
            _ = try usedTokens.markUsed(claims)
        } catch {
            // The token still dies at its (short) expiry, but until then a
            // downstream check against the registry would accept it again.
            logger.critical("could not mark a run's token used; it stays valid until it expires",
                            metadata: ["jti": "\(jti)", "expires": "\(claims.exp)", "error": "\(error)"])
        }
    }
}
