import AirlockCore
import Crypto
import Foundation

/// Checks an action token the way a downstream service must: signature
/// under a known key, then audience, action, time window and single use.
/// Every check is mandatory; there is no "signature only" mode.
public struct TokenVerifier: Sendable {
    /// kid → raw Ed25519 public key (raw bytes keep the verifier Sendable).
    private let keyBytes: [String: Data]
    /// Allowed clock difference between minting and verifying hosts.
    public let leeway: Duration
    /// When set, tokens from any other issuer are refused.
    public let issuer: String?
    /// The longest `exp - iat` accepted: the daemon never mints tokens valid
    /// for longer (its `max_token_lifetime_seconds` is capped at an hour).
    public let maxLifetime: Duration

    public static let defaultMaxLifetime: Duration = .seconds(3600)

    public init(keys: [String: Curve25519.Signing.PublicKey], issuer: String? = nil, leeway: Duration = .zero,
                maxLifetime: Duration = TokenVerifier.defaultMaxLifetime) {
        self.keyBytes = keys.mapValues(\.rawRepresentation)
        self.issuer = issuer
        self.leeway = leeway
        self.maxLifetime = maxLifetime
    }

    public init(jwks: JWKSet, issuer: String? = nil, leeway: Duration = .zero,
                maxLifetime: Duration = TokenVerifier.defaultMaxLifetime) throws {
        self.init(keys: try jwks.verificationKeys(), issuer: issuer, leeway: leeway, maxLifetime: maxLifetime)
    }

    /// Returns the claims when the token is valid for `audience` and
    /// `actionDigest` at `now` and (with a registry) not used; throws the
    /// `TokenRejection` for the first check that fails.
    public func verify(_ token: String, audience: String, actionDigest: String, now: Date = Date(),
                       usedTokens: UsedTokenRegistry? = nil) throws -> ActionTokenClaims {
        guard let parts = CompactJWS.parse(token) else { throw TokenRejection.malformed }
        guard parts.header.alg == "EdDSA" else { throw TokenRejection.unsupportedAlgorithm(parts.header.alg) }
        guard let kid = parts.header.kid, let raw = keyBytes[kid],
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw TokenRejection.unknownKey(kid: parts.header.kid)
        }
        guard key.isValidSignature(parts.signature, for: parts.signingInput) else {
            throw TokenRejection.badSignature
        }
        guard let claims = try? JSONDecoder().decode(ActionTokenClaims.self, from: parts.payload) else {
            throw TokenRejection.malformed
        }
        if let issuer, claims.iss != issuer {
            throw TokenRejection.wrongIssuer(expected: issuer, actual: claims.iss)
        }
        guard claims.aud == audience else {
            throw TokenRejection.wrongAudience(expected: audience, actual: claims.aud)
        }
        guard claims.act == actionDigest else {
            throw TokenRejection.wrongAction(expected: actionDigest, actual: claims.act)
        }
        let slack = leeway.seconds
        let seconds = now.timeIntervalSince1970
        guard seconds + slack >= TimeInterval(claims.nbf) else { throw TokenRejection.notYetValid(nbf: claims.nbf) }
        guard seconds - slack < TimeInterval(claims.exp) else { throw TokenRejection.expired(exp: claims.exp) }
        let limit = Int64(maxLifetime.seconds.rounded(.down))
        guard claims.exp - min(claims.iat, claims.nbf) <= limit else {
            throw TokenRejection.lifetimeTooLong(seconds: claims.exp - min(claims.iat, claims.nbf), limit: limit)
        }
        if let usedTokens, try usedTokens.isUsed(claims.jti) {
            throw TokenRejection.alreadyUsed(jti: claims.jti)
        }
        return claims
    }
}
