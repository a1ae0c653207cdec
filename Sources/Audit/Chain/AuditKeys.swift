import AirlockCore
import Crypto
import Foundation

/// Checkpoint signing keys on disk, in the PEM forms OpenSSL reads
/// (`openssl pkey -in audit-signing.pem -pubout`), so an auditor can check a
/// checkpoint without Airlock. The private key stays in a 0600 file readable
/// only by the daemon; the public key is what it hands to auditors, and what
/// `airlock audit verify --public-key` trusts instead of the database.
public enum AuditKeys {
    /// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), then 32 key bytes.
    private static let publicKeyPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// DER prefix of an Ed25519 PKCS#8 PrivateKeyInfo (RFC 8410), then 32 seed bytes.
    private static let privateKeyPrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                                    0x04, 0x22, 0x04, 0x20]

    /// A short stable name for a key: the first 16 hex digits of sha256(raw key).
    public static func keyID(_ key: Curve25519.Signing.PublicKey) -> String {
        String(Digest.sha256Hex(key.rawRepresentation).prefix(16))
    }

    public static func publicKeyPEM(_ key: Curve25519.Signing.PublicKey) -> String {
        pem(label: "PUBLIC KEY", der: publicKeyPrefix + Array(key.rawRepresentation))
    }

    public static func privateKeyPEM(_ key: Curve25519.Signing.PrivateKey) -> String {
        pem(label: "PRIVATE KEY", der: privateKeyPrefix + Array(key.rawRepresentation))
    }

    /// Parses a public key from PEM, or from bare base64 or hex of the 32 raw bytes.
    public static func publicKey(from text: String) throws -> Curve25519.Signing.PublicKey {
        let raw = try rawKey(from: text, prefix: publicKeyPrefix, what: "Ed25519 public key")
        return try Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    public static func privateKey(from text: String) throws -> Curve25519.Signing.PrivateKey {
        let raw = try rawKey(from: text, prefix: privateKeyPrefix, what: "Ed25519 private key")
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// Loads the daemon's signing key, creating it (0600) on first start.
    /// Refuses a key others could have read (see `AuditKeyFile`).
    public static func loadOrCreatePrivateKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        try AuditKeyFile.loadOrCreate(at: path)
    }

    /// Loads the daemon's signing key, `nil` when there is none (with the same checks).
    public static func loadPrivateKey(at path: String) throws -> Curve25519.Signing.PrivateKey? {
        try AuditKeyFile.load(at: path)
    }

    private static func pem(label: String, der: [UInt8]) -> String {
        "-----BEGIN \(label)-----\n" + Data(der).base64EncodedString() + "\n-----END \(label)-----\n"
    }

    private static func rawKey(from text: String, prefix: [UInt8], what: String) throws -> Data {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if let der = Data(base64Encoded: body) {
            if der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix { return der.suffix(32) }
            if der.count == 32 { return der }
        }
        if body.count == 64, let bytes = hexBytes(body) { return Data(bytes) }
        throw AirlockError(.invalidConfig, "not an \(what) (expected PEM, or base64/hex of 32 raw bytes)")
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
