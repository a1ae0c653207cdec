import AirlockCore
import Crypto
import Foundation

/// An Ed25519 public key as a JWK (RFC 8037): `kty` OKP, `crv` Ed25519, `x`
/// the raw key in base64url. The kid is the key's RFC 7638 thumbprint, so the
/// same key always has the same id everywhere.
public struct JWK: Sendable, Hashable, Codable {
    public var kty: String
    public var crv: String
    public var x: String
    public var kid: String
    public var use: String?
    public var alg: String?

    public init(publicKey: Curve25519.Signing.PublicKey) {
        kty = "OKP"
        crv = "Ed25519"
        x = Base64URL.encode(publicKey.rawRepresentation)
        kid = JWK.thumbprint(x: x)
        use = "sig"
        alg = "EdDSA"
    }

    /// RFC 7638: sha256 over the required members in lexicographic order.
    static func thumbprint(x: String) -> String {
        let canonical = CanonicalJSON.encode(["crv": "Ed25519", "kty": "OKP", "x": .string(x)])
        return Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// The key, if this JWK is a well-formed Ed25519 public key.
    public func publicKey() throws -> Curve25519.Signing.PublicKey {
        guard kty == "OKP", crv == "Ed25519", let raw = Base64URL.decode(x) else {
            throw AirlockError(.invalidConfig, "JWK \(kid) is not an Ed25519 (OKP) public key")
        }
        return try Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }
}

/// A JWK Set (RFC 7517 §5): what `airlock token jwks` prints and what a
/// downstream service verifies tokens against.
public struct JWKSet: Sendable, Hashable, Codable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(JWKSet.self, from: json)
        } catch {
            throw AirlockError(.invalidConfig, "not a JWK Set: \(error)")
        }
    }

    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// kid → key, for `TokenVerifier`.
    public func verificationKeys() throws -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for jwk in self.keys { keys[jwk.kid] = try jwk.publicKey() }
        return keys
    }
}
