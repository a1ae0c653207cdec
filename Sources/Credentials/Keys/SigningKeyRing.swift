import AirlockCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's Ed25519 signing keys, kept in one directory (mode 0700):
///
///     active        the kid that signs new tokens
///     <kid>.key     the active private key, base64url, mode 0600
///     <kid>.pub     every public key, current and retired, for verification
///     <kid>.retired when a key stopped signing (ISO 8601)
///
/// Rotation writes a new key, points `active` at it, and deletes the old
/// private key but keeps its public half, so tokens minted just before a
/// rotation still verify until they expire. Once no token it signed can
/// still be valid (the longest lifetime a token may have, plus a margin),
/// a retired key is no longer published or trusted: a copy of it that
/// leaked can't sign tokens anyone accepts.
public final class SigningKeyRing: Sendable {
    public let directory: String
    public let activeKID: String
    // Raw bytes, not swift-crypto key values: those are not Sendable, and
    // the ring is shared by every connection of the daemon.
    private let signingKeyBytes: Data
    private let verificationKeyBytes: [String: Data]

    /// Every public key in the directory, by kid.
    public var verificationKeys: [String: Curve25519.Signing.PublicKey] {
        verificationKeyBytes.compactMapValues { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    /// `/var/lib/airlock/keys` for root, else `$XDG_STATE_HOME/airlock/keys`
    /// (`~/.local/state/airlock/keys` when XDG_STATE_HOME is unset).
    public static var defaultDirectory: String {
        if geteuid() == 0 { return "/var/lib/airlock/keys" }
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/state")
        return (state as NSString).appendingPathComponent("airlock/keys")
    }

    /// Opens the ring in `directory`, creating the directory and a first key
    /// on first use. With `rotateAfter`, an active key older than that is
    /// rotated first.
    public static func open(directory: String, rotateAfter: Duration? = nil, now: Date = Date()) throws -> SigningKeyRing {
        try PrivateFile.ensureDirectory(directory)
        let activePath = path(directory, "active")
        if !FileManager.default.fileExists(atPath: activePath) {
            try createFirstKey(in: directory)
        }
        var ring = try load(directory: directory)
        if let rotateAfter, try ring.activeKeyCreated().addingTimeInterval(rotateAfter.seconds) <= now {
            ring = try rotate(directory: directory)
        }
        return ring
    }

    /// Makes a new active key and retires the old one (public half kept).
    @discardableResult
    public static func rotate(directory: String) throws -> SigningKeyRing {
        try PrivateFile.ensureDirectory(directory)
        let previous = try? String(contentsOfFile: path(directory, "active"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let kid = try writeNewKey(in: directory)
        try PrivateFile.write(Data((kid + "\n").utf8), to: path(directory, "active"), mode: 0o600)
        if let previous, previous != kid {
            try PrivateFile.write(Data((ISO8601DateFormatter().string(from: Date()) + "\n").utf8),
                                  to: path(directory, previous + ".retired"), mode: 0o644)
            unlink(path(directory, previous + ".key"))
        }
        return try load(directory: directory)
    }

    /// How long a retired key stays trusted: no token outlives it.
    public static let retiredKeyTrust: Duration = TokenVerifier.defaultMaxLifetime + .seconds(300)

    /// The public keys in `directory` as a JWK Set; needs no private key, so
    /// `airlock token jwks` can run without the daemon's privileges.
    public static func publicKeySet(directory: String, now: Date = Date()) throws -> JWKSet {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let current = names.filter { name in
            guard name.hasSuffix(".pub") else { return false }
            let retired = path(directory, String(name.dropLast(4)) + ".retired")
            guard let text = try? String(contentsOfFile: retired, encoding: .utf8) else { return true }
            // An unreadable date is no reason to keep trusting a retired key.
            guard let date = ISO8601DateFormatter().date(from: text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
            return date.addingTimeInterval(retiredKeyTrust.seconds) > now
        }
        let keys = try current.sorted().map { name in
            guard let text = FileManager.default.contents(atPath: path(directory, name)),
                  let raw = Base64URL.decode(String(decoding: text, as: UTF8.self)
                      .trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw AirlockError(.invalidConfig, "\(path(directory, name)) is not a base64url public key")
            }
            return JWK(publicKey: try Curve25519.Signing.PublicKey(rawRepresentation: raw))
        }
        guard !keys.isEmpty else {
            throw AirlockError(.notFound, "no public keys in \(directory); the daemon creates one on first start")
        }
        return JWKSet(keys: keys)
    }

    public var jwks: JWKSet {
        JWKSet(keys: verificationKeys.keys.sorted().compactMap { verificationKeys[$0].map(JWK.init(publicKey:)) })
    }

    /// Signs `message` with the active key.
    func sign(_ message: Data) throws -> Data {
        try Curve25519.Signing.PrivateKey(rawRepresentation: signingKeyBytes).signature(for: message)
    }

    private init(directory: String, activeKID: String, signingKey: Curve25519.Signing.PrivateKey,
                 verificationKeys: [String: Curve25519.Signing.PublicKey]) {
        self.directory = directory
        self.activeKID = activeKID
        self.signingKeyBytes = signingKey.rawRepresentation
        self.verificationKeyBytes = verificationKeys.mapValues(\.rawRepresentation)
    }

    private static func load(directory: String) throws -> SigningKeyRing {
        let kid = try String(decoding: PrivateFile.readPrivate(path(directory, "active")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let encoded = String(decoding: try PrivateFile.readPrivate(path(directory, kid + ".key")), as: UTF8.self)
        guard let raw = Base64URL.decode(encoded.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw AirlockError(.invalidConfig, "\(path(directory, kid + ".key")) is not a base64url Ed25519 key")
        }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        guard JWK(publicKey: key.publicKey).kid == kid else {
            throw AirlockError(.invalidConfig, "\(path(directory, kid + ".key")) does not hold the key named \(kid)")
        }
        var verification = try publicKeySet(directory: directory).verificationKeys()
        verification[kid] = key.publicKey
        return SigningKeyRing(directory: directory, activeKID: kid, signingKey: key, verificationKeys: verification)
    }

    /// First start: if two processes race, the one whose `active` link lands
    /// first wins and the other's key is removed. An `active` that names
    /// this key landed (only syncing its folder failed): the key stays.
    private static func createFirstKey(in directory: String) throws {
        let kid = try writeNewKey(in: directory)
        do {
            try PrivateFile.write(Data((kid + "\n").utf8), to: path(directory, "active"), mode: 0o600, exclusive: true)
        } catch {
            let active = try? String(contentsOfFile: path(directory, "active"), encoding: .utf8)
            if active?.trimmingCharacters(in: .whitespacesAndNewlines) == kid { throw error }
            unlink(path(directory, kid + ".key"))
            unlink(path(directory, kid + ".pub"))
            guard active != nil else { throw error }
        }
    }

    private static func writeNewKey(in directory: String) throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        let kid = JWK(publicKey: key.publicKey).kid
        try PrivateFile.write(Data((Base64URL.encode(key.rawRepresentation) + "\n").utf8),
                              to: path(directory, kid + ".key"), mode: 0o600)
        try PrivateFile.write(Data((Base64URL.encode(key.publicKey.rawRepresentation) + "\n").utf8),
                              to: path(directory, kid + ".pub"), mode: 0o644)
        return kid
    }

    private func activeKeyCreated() throws -> Date {
        let attributes = try FileManager.default.attributesOfItem(atPath: Self.path(directory, activeKID + ".key"))
        return attributes[.modificationDate] as? Date ?? .distantPast
    }

    private static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}

extension Duration {
    /// Whole and fractional seconds, for Date arithmetic.
    var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
