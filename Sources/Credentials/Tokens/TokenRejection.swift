import AirlockCore

/// Why a token was refused: one case, and one message, per failure, so a
/// downstream service (and its logs) can tell an attack from a clock problem.
public enum TokenRejection: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed
    case unsupportedAlgorithm(String)
    case unknownKey(kid: String?)
    /// The signature does not match header + payload under the named key:
    /// the token was altered, or signed by a different key claiming this kid.
    case badSignature
    case wrongIssuer(expected: String, actual: String)
    case wrongAudience(expected: String, actual: String)
    case wrongAction(expected: String, actual: String)
    case notYetValid(nbf: Int64)
    case expired(exp: Int64)
    /// Valid for longer than any token the daemon mints: signed by a key
    /// that leaked (rotation does not revoke a key for good), not minted.
    case lifetimeTooLong(seconds: Int64, limit: Int64)
    case alreadyUsed(jti: String)

    public var description: String {
        switch self {
        case .malformed:
            "token is not a compact JWS with a JSON payload"
        case .unsupportedAlgorithm(let alg):
            "token algorithm \(alg) is not accepted; only EdDSA is"
        case .unknownKey(let kid):
            "token was signed by an unknown key (kid \(kid ?? "missing")); it is not from this daemon's key set"
        case .badSignature:
            "token signature does not match its contents; the token was tampered with"
        case .wrongIssuer(let expected, let actual):
            "token was issued by \(actual), not \(expected)"
        case .wrongAudience(let expected, let actual):
            "token is for tool \(actual), not \(expected)"
        case .wrongAction(let expected, let actual):
            "token is bound to action \(actual), not \(expected)"
        case .notYetValid(let nbf):
            "token is not valid yet (nbf \(nbf))"
        case .expired(let exp):
            "token expired (exp \(exp))"
        case .lifetimeTooLong(let seconds, let limit):
            "token is valid for \(seconds) s, longer than any token the daemon mints (\(limit) s at most)"
        case .alreadyUsed(let jti):
            "token \(jti) was already used"
        }
    }

    /// The cross-module error, for the executor and servers.
    public var airlockError: AirlockError { AirlockError(.credentialInvalid, description) }
}
