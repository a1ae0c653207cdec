import AirlockCore
import Foundation

/// One configured webhook: where to POST, which body, the shared secret
/// the receiver checks the signature with, and how hard to retry.
public struct WebhookTarget: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Format: String, Sendable, Hashable, Codable {
        /// A Slack incoming-webhook body: `text` plus Block Kit `blocks`.
        case slack
        /// Airlock's own JSON: the event name and the record's display view.
        case generic
    }

    public var url: URL
    public var format: Format
    public var secret: String
    public var retry: WebhookRetryPolicy
    let host: String

    /// The Host header: an IPv6 address in brackets (RFC 7230), the port
    /// unless it is 80.
    var hostHeader: String {
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
    let port: Int
    let requestPath: String

    /// Only plain `http://` is accepted: this build carries no TLS stack, so
    /// an `https://` hook would fail at every delivery. Point it at a relay
    /// on the host (e.g. a local proxy that forwards to Slack over TLS).
    /// A host that is not this machine's loopback is refused unless
    /// `allowRemotePlaintext`: the body (masked arguments, requester,
    /// reason) and the URL's path, often a credential, would cross the
    /// network in clear.
    ///
    /// Errors do not repeat the URL: its path may be a credential.
    public init(url: String, format: Format, secret: String, retry: WebhookRetryPolicy = WebhookRetryPolicy(),
                allowRemotePlaintext: Bool = false) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host,
              !host.isEmpty else {
            throw AirlockError(.invalidConfig, "webhook url is not an absolute http:// URL")
        }
        guard scheme == "http" else {
            throw AirlockError(.invalidConfig, "webhook url scheme '\(scheme)' is not supported: only http:// works "
                + "(this build has no TLS); for https point it at a relay on this host that forwards over TLS")
        }
        guard allowRemotePlaintext || Self.isLoopback(host) else {
            throw AirlockError(.invalidConfig, "webhook host \(host) is not this machine: plain http would carry the "
                + "approval and the URL's path in clear; point it at a relay on 127.0.0.1 that forwards over TLS, "
                + "or set allow_plaintext_remote: true")
        }
        guard !secret.isEmpty else {
            throw AirlockError(.invalidConfig, "webhook \(Self.endpoint(of: parsed)) needs a non-empty signing secret")
        }
        self.url = parsed
        self.format = format
        self.secret = secret
        self.retry = retry
        self.host = host
        self.port = parsed.port ?? 80
        // As written (percent-encoded): a decoded path could carry a CR or
        // LF into the request line.
        let components = URLComponents(url: parsed, resolvingAgainstBaseURL: false)
        let encodedPath = components?.percentEncodedPath ?? "/"
        let path = encodedPath.isEmpty ? "/" : encodedPath
        self.requestPath = components?.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }

    /// localhost, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return withUnsafeBytes(of: v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }

    /// Scheme, host and port only. The path of an incoming-webhook URL is
    /// often a credential itself (Slack's is), so logs and errors show this.
    public var endpoint: String { Self.endpoint(of: url) }

    static func endpoint(of url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")" + (url.port.map { ":\($0)" } ?? "")
    }

    /// Never shows the secret or the URL's path, so a logged target leaks nothing.
    public var description: String { "webhook \(endpoint) (\(format.rawValue))" }
    public var debugDescription: String { description }
}

/// How hard to try one delivery before giving up on it.
public struct WebhookRetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Connect plus response, per attempt.
    public var attemptTimeout: Duration

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(500),
                maxBackoff: Duration = .seconds(30), attemptTimeout: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.attemptTimeout = attemptTimeout
    }

    /// Wait before attempt `attempt` (2, 3, ...): initial × 2^(attempt-2), capped.
    func backoff(beforeAttempt attempt: Int) -> Duration {
        var wait = initialBackoff
        for _ in 0..<max(0, attempt - 2) {
            wait = wait * 2
            if wait >= maxBackoff { return maxBackoff }
        }
        return min(wait, maxBackoff)
    }
}
