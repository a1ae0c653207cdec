import AirlockCore
import Foundation

/// A freshly minted token and its claims (the daemon audits the claims,
/// injects the token, and marks its `jti` used when the run ends).
public struct MintedToken: Sendable, Hashable {
    public var token: String
    public var claims: ActionTokenClaims
}

/// Mints action tokens with the ring's active key.
public struct TokenMinter: Sendable {
    public static let defaultMaxLifetime: Duration = .seconds(60)

    public let ring: SigningKeyRing
    public let issuer: String
    /// No token outlives this, whatever the run's wall limit.
    public let maxLifetime: Duration

    public init(ring: SigningKeyRing, issuer: String = "airlockd", maxLifetime: Duration = TokenMinter.defaultMaxLifetime) {
        self.ring = ring
        self.issuer = issuer
        self.maxLifetime = maxLifetime
    }

    /// A token for `call` valid from `now` for the run's wall limit capped by
    /// `maxLifetime` (at least one second, so it can be used at all).
    public func mint(for call: ToolCall, approvalID: String? = nil, runWallLimit: Duration,
                     now: Date = Date()) throws -> MintedToken {
        try mint(subject: call.actor.name, audience: call.tool, actionDigest: call.actionDigest,
                 approvalID: approvalID, runWallLimit: runWallLimit, now: now)
    }

    public func mint(subject: String, audience: String, actionDigest: String, approvalID: String?,
                     runWallLimit: Duration, now: Date = Date()) throws -> MintedToken {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let lifetime = max(1, Int64(min(runWallLimit, maxLifetime).seconds.rounded(.up)))
        let claims = ActionTokenClaims(iss: issuer, sub: subject, aud: audience, act: actionDigest, apr: approvalID,
                                       jti: UUID().uuidString.lowercased(), iat: issuedAt, nbf: issuedAt,
                                       exp: issuedAt + lifetime)
        // Built as a tree directly (the same JSON as through JSONEncoder): one per call.
        let token = try CompactJWS.sign(payload: try JSONValueEncoder.encode(claims), kid: ring.activeKID, using: ring)
        return MintedToken(token: token, claims: claims)
    }
}
