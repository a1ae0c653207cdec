import AirlockCore
import Approvals
import Credentials
import Foundation

/// Reads the `webhooks:` section of the daemon config: where `airlockd`
/// posts each new pending approval.
///
///     webhooks:
///       - url: http://127.0.0.1:8089/airlock      # http:// only: this build has no TLS; relay https
///         format: slack                           # slack | generic
///         secret_file: /etc/airlock/webhook.key   # or secret_env: VARIABLE; never inline
///         allow_plaintext_remote: false           # a host other than loopback needs this (clear text)
///         retry:                                  # optional, these are the defaults
///           max_attempts: 5
///           initial_backoff_seconds: 0.5          # doubled before each retry...
///           max_backoff_seconds: 30               # ...up to this
///           attempt_timeout_seconds: 10           # connect + response, per attempt
///
/// The signing secret is read here, at load, so a missing or empty one
/// stops the daemon from starting instead of leaving approvers unwarned.
/// It is never taken inline: a config file is read by more people than a
/// key file. Errors name the file, line and setting, never the secret.
enum WebhookConfigParser {
    static let keys: Set<String> = ["url", "format", "secret_file", "secret_env", "retry", "allow_plaintext_remote"]
    static let retryKeys: Set<String> = [
        "max_attempts", "initial_backoff_seconds", "max_backoff_seconds", "attempt_timeout_seconds",
    ]

    static func parse(_ section: ConfigNode, configDirectory: String,
                      environment: [String: String]) throws -> [WebhookTarget] {
        var seen = Set<URL>()
        return try section.items().map { item in
            let target = try parseTarget(item, configDirectory: configDirectory, environment: environment)
            guard seen.insert(target.url).inserted else {
                throw try item.required("url").error("this url is listed twice; each pending action would be posted twice")
            }
            return target
        }
    }

    static func parseTarget(_ item: ConfigNode, configDirectory: String,
                            environment: [String: String]) throws -> WebhookTarget {
        if let inline = try item.optional("secret") {
            throw inline.error("an inline secret would sit in a file many people read; "
                + "put it in a file (secret_file) or the daemon's environment (secret_env)")
        }
        try item.requireKeys(within: keys)
        let urlNode = try item.required("url")
        let formatNode = try item.required("format")
        guard let format = WebhookTarget.Format(rawValue: try formatNode.string()) else {
            throw formatNode.error("unknown format (expected slack or generic)")
        }
        let secret = try signingSecret(item, configDirectory: configDirectory, environment: environment)
        let retry = try item.optional("retry").map(parseRetry) ?? WebhookRetryPolicy()
        do {
            let remote = try item.optional("allow_plaintext_remote")?.bool() ?? false
            return try WebhookTarget(url: try urlNode.string(), format: format, secret: secret, retry: retry,
                                     allowRemotePlaintext: remote)
        } catch let error as AirlockError {
            throw urlNode.error(error.message)
        }
    }

    /// Exactly one of `secret_file` (relative to the config file) or
    /// `secret_env`, read with the same rules as tool secrets.
    static func signingSecret(_ item: ConfigNode, configDirectory: String,
                              environment: [String: String]) throws -> String {
        let node: ConfigNode
        let source: SecretDeclaration.Source
        switch (try item.optional("secret_file"), try item.optional("secret_env")) {
        case (let file?, nil):
            node = file
            source = .file(ConfigLoader.resolve(try file.string(), against: configDirectory))
        case (nil, let variable?):
            node = variable
            source = .environment(try variable.string())
        default:
            throw item.error("a webhook needs exactly one of 'secret_file' or 'secret_env' (its HMAC signing secret)")
        }
        do {
            return try SecretResolver.value(of: source, named: "\(item.path) signing secret", environment: environment)
        } catch let error as AirlockError {
            throw node.error(error.message)
        }
    }

    static func parseRetry(_ node: ConfigNode) throws -> WebhookRetryPolicy {
        try node.requireKeys(within: retryKeys)
        let defaults = WebhookRetryPolicy()
        func seconds(_ key: String, _ fallback: Duration) throws -> Duration {
            guard let value = try node.optional(key) else { return fallback }
            let number = try value.seconds()
            guard number <= 3600 else { throw value.error("must be at most 3600 seconds") }
            return .milliseconds(Int64((number * 1000).rounded(.up)))
        }
        var attempts = defaults.maxAttempts
        if let value = try node.optional("max_attempts") {
            attempts = Int(try value.uint64(atLeast: 1))
            guard attempts <= 100 else { throw value.error("must be at most 100") }
        }
        let initial = try seconds("initial_backoff_seconds", defaults.initialBackoff)
        let maximum = try seconds("max_backoff_seconds", defaults.maxBackoff)
        guard maximum >= initial else {
            throw node.error("max_backoff_seconds must be at least initial_backoff_seconds")
        }
        return WebhookRetryPolicy(maxAttempts: attempts, initialBackoff: initial, maxBackoff: maximum,
                                  attemptTimeout: try seconds("attempt_timeout_seconds", defaults.attemptTimeout))
    }
}
