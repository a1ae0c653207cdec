import AirlockCore
import Credentials
import Foundation
import Testing

@Suite("Signing keys")
struct SigningKeyRingTests {
    @Test("first use creates a 0600 key in a 0700 directory; reopening keeps it")
    func createdOnFirstUse() throws {
        let directory = freshDirectory("keys")
        let ring = try SigningKeyRing.open(directory: directory)
        #expect(try Self.mode(directory) == 0o700)
        #expect(try Self.mode(directory + "/" + ring.activeKID + ".key") == 0o600)
        #expect(try Self.mode(directory + "/active") == 0o600)
        let again = try SigningKeyRing.open(directory: directory)
        #expect(again.activeKID == ring.activeKID)
        #expect(ring.jwks.keys.map(\.kid) == [ring.activeKID])
    }

    @Test("rotation signs with a new key and keeps the old public key for verification")
    func rotationKeepsOldPublicKeys() throws {
        let directory = freshDirectory("keys")
        let first = try SigningKeyRing.open(directory: directory)
        let oldToken = try TokenMinter(ring: first).mint(subject: "a", audience: "t", actionDigest: "d", approvalID: nil,
                                                          runWallLimit: .seconds(30))
        let second = try SigningKeyRing.rotate(directory: directory)
        #expect(second.activeKID != first.activeKID)
        #expect(!FileManager.default.fileExists(atPath: directory + "/" + first.activeKID + ".key"))
        let published = try SigningKeyRing.publicKeySet(directory: directory)
        #expect(Set(published.keys.map(\.kid)) == [first.activeKID, second.activeKID])
        let claims = try TokenVerifier(jwks: published).verify(oldToken.token, audience: "t", actionDigest: "d")
        #expect(claims.jti == oldToken.claims.jti)
    }

    /// Rotation is revocation too, once no token of the old key can still
    /// be valid: a leaked copy of it can't sign tokens anyone accepts.
    @Test("a retired key is no longer published once its tokens can no longer be valid")
    func retiredKeysStopBeingTrusted() throws {
        let directory = freshDirectory("keys")
        let first = try SigningKeyRing.open(directory: directory)
        let second = try SigningKeyRing.rotate(directory: directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/" + first.activeKID + ".retired"))
        let soon = Date().addingTimeInterval(600)
        #expect(Set(try SigningKeyRing.publicKeySet(directory: directory, now: soon).keys.map(\.kid)) == [first.activeKID, second.activeKID])
        let later = Date().addingTimeInterval(TimeInterval(SigningKeyRing.retiredKeyTrust.components.seconds) + 60)
        #expect(try SigningKeyRing.publicKeySet(directory: directory, now: later).keys.map(\.kid) == [second.activeKID])
    }

    @Test("rotateAfter rotates an old key on open")
    func rotateAfterAge() throws {
        let directory = freshDirectory("keys")
        let first = try SigningKeyRing.open(directory: directory)
        let later = try SigningKeyRing.open(directory: directory, rotateAfter: .seconds(3600),
                                            now: Date().addingTimeInterval(7200))
        #expect(later.activeKID != first.activeKID)
    }

    @Test("a key file others can read is refused")
    func looseKeyFileRefused() throws {
        let directory = freshDirectory("keys")
        let ring = try SigningKeyRing.open(directory: directory)
        chmod(directory + "/" + ring.activeKID + ".key", 0o644)
        #expect(throws: AirlockError.self) { _ = try SigningKeyRing.open(directory: directory) }
    }

    @Test("JWKS is Ed25519 OKP with RFC 7638 kids and round-trips through JSON")
    func jwksShape() throws {
        let ring = try SigningKeyRing.open(directory: freshDirectory("keys"))
        let parsed = try JWKSet(json: Data(ring.jwks.jsonText.utf8))
        let key = try #require(parsed.keys.first)
        #expect(key.kty == "OKP")
        #expect(key.crv == "Ed25519")
        #expect(key.alg == "EdDSA")
        #expect(key.kid == ring.activeKID)
        #expect(try key.publicKey().rawRepresentation == ring.verificationKeys[ring.activeKID]?.rawRepresentation)
    }

    @Test("default directory follows the effective uid")
    func defaultDirectory() {
        if geteuid() == 0 {
            #expect(SigningKeyRing.defaultDirectory == "/var/lib/airlock/keys")
        } else {
            #expect(SigningKeyRing.defaultDirectory.hasSuffix("airlock/keys"))
        }
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}
