import AirlockCore
import Crypto
import Foundation
import Testing
@testable import Audit

@Suite("Masker")
struct MaskerTests {
    let masker = Masker(tagKey: Data(repeating: 1, count: 32))

    @Test func markerKeepsTypeAndAShortKeyedTag() {
        let masked = masker.mask("key AKIAIOSFODNN7EXAMPLE here")
        #expect(masked.hasPrefix("key [REDACTED:aws_key:"))
        #expect(masked.hasSuffix("] here"))
        let tag = masked.split(separator: ":")[2].prefix(4)
        #expect(tag.count == 4 && tag.allSatisfy(\.isHexDigit))
    }

    /// The tag is the first two bytes of HMAC-SHA256(key, value), however it is computed.
    @Test func tagIsTheHMACPrefix() {
        let key = SymmetricKey(data: Data(repeating: 1, count: 32))
        for value in ["AKIAIOSFODNN7EXAMPLE", "é 漢字 🙂", "x"] {
            let mac = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: key)
            #expect(masker.marker(type: "t", value: Substring(value)) == "[REDACTED:t:\(Array(mac.prefix(2)).hexString)]")
        }
    }

    @Test func emailsAreMaskedButAtSignsWithoutADomainAreNot() {
        #expect(masker.mask("mail ops@example.com now").contains("[REDACTED:email:"))
        #expect(masker.mask("user@host:5432 and @mention") == "user@host:5432 and @mention")
    }

    @Test func sameSecretSameTagDifferentKeyDifferentTag() {
        let first = masker.mask("AKIAIOSFODNN7EXAMPLE")
        #expect(masker.mask("id=AKIAIOSFODNN7EXAMPLE").hasSuffix(first))
        #expect(masker.mask("AKIAI44QH8DHBEXAMPLE") != first)
        let other = Masker(tagKey: Data(repeating: 2, count: 32))
        // 16-bit tags collide 1 in 65536; these two keys are fixed, so this is deterministic.
        #expect(other.mask("AKIAIOSFODNN7EXAMPLE") != first)
    }

    @Test func injectedSecretsAreMaskedWhereverTheyAppear() {
        let secret = "pl41n-but-injected"
        let masked = masker.mask("a \(secret) b \(secret)", secrets: [secret])
        #expect(!masked.contains(secret))
        #expect(masked.components(separatedBy: "[REDACTED:secret:").count == 3)
    }

    @Test func jsonKeepsStructureAndMasksSecretKeys() {
        let value: JSONValue = [
            "user": "alice",
            "password": "Tr0ub4dor&3",
            "token": "none",
            "retries": 3,
            "card": 4111111111111111,
            "nested": ["notify": ["ops@example.com"], "ok": true],
        ]
        let masked = masker.mask(value)
        #expect(masked["user"] == "alice")
        #expect(masked["password"]?.stringValue?.hasPrefix("[REDACTED:assignment:") == true)
        #expect(masked["token"] == "none")  // below the entropy floor
        #expect(masked["retries"] == 3)
        #expect(masked["card"]?.stringValue?.hasPrefix("[REDACTED:card_number:") == true)
        #expect(masked["nested"]?["notify"]?.arrayValue?.first?.stringValue?.hasPrefix("[REDACTED:email:") == true)
        #expect(masked["nested"]?["ok"] == true)
    }

    @Test func objectKeysAreMaskedAtAnyDepth() {
        let secret = "pl41n-but-injected"
        let value: JSONValue = .object([
            "query": "SELECT 1",
            "_meta": .object([secret: "trace", "AKIAIOSFODNN7EXAMPLE": 1]),
            "nested": .array([.object(["ops@example.com": true])]),
        ])
        let masked = masker.mask(value, secrets: [secret])
        #expect(!masked.canonicalText.contains(secret))
        #expect(!masked.canonicalText.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(!masked.canonicalText.contains("ops@example.com"))
        let meta = masked["_meta"]?.objectValue ?? [:]
        #expect(meta[masker.marker(type: "secret", value: Substring(secret))] == "trace")
        #expect(meta.count == 2 && meta.keys.contains { $0.hasPrefix("[REDACTED:aws_key:") })
        #expect(masked["nested"]?.arrayValue?.first?.objectValue?.keys.first?.hasPrefix("[REDACTED:email:") == true)
        #expect(masked["query"] == "SELECT 1")
    }

    /// A masked key may equal another key (here, one that is literally its
    /// marker): every entry is kept, the masked ones numbered after the rest.
    @Test func keysThatMaskAlikeAreAllKept() {
        let secret = "pl41n-but-injected"
        let marker = masker.marker(type: "secret", value: Substring(secret))
        let value: JSONValue = .object([secret: 1, marker: 2, "\(marker) #2": 3])
        let masked = masker.mask(value, secrets: [secret])
        #expect(masked.objectValue == [marker: 2, "\(marker) #2": 3, "\(marker) #3": 1])
        #expect(masker.mask(masked, secrets: [secret]) == masked)
    }

    @Test func maskingIsIdempotent() {
        let once = masker.mask("password=Tr0ub4dor&3 mail bob@example.com")
        #expect(masker.mask(once) == once)
    }

    @Test func overlappingMatchesAreNamedByTheMoreSpecificDetector() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
        let masked = masker.mask("token=\(jwt)")
        #expect(masked.hasPrefix("token=[REDACTED:jwt:"))
    }

    @Test func derivedMaskerIsStableForTheSameSigningKey() {
        let key = Curve25519.Signing.PrivateKey()
        let text = "alice@example.com"
        #expect(Masker(derivedFrom: key).mask(text) == Masker(derivedFrom: key).mask(text))
    }
}
