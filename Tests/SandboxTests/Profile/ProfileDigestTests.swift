import AirlockCore
import Testing
@testable import Sandbox

@Suite("Profile digest")
struct ProfileDigestTests {
    @Test("the digest is a stable SHA-256 of what is enforced, not of how the files were written")
    func stable() throws {
        let written = try ProfileFixtures([
            "a": "network: none\nseccomp:\n  allow: [\"@default\", read, write]\nenvironment: { X: \"1\", Y: \"2\" }\n",
            "b": "environment: { Y: \"2\", X: \"1\" }\nseccomp:\n  allow: [write, read, \"@default\"]\n",
        ])
        var a = try written.catalog().resolve(name: "a")
        var b = try written.catalog().resolve(name: "b")
        a.name = "same"
        b.name = "same"
        #expect(ProfileDigest.of(a) == ProfileDigest.of(b))
        #expect(ProfileDigest.of(a) == Digest.sha256Hex(try JSONValue(encoding: a)))
        #expect(ProfileDigest.of(a) == ProfileDigest.of(a))
    }

    @Test("any change to what is enforced changes the digest")
    func sensitive() throws {
        let base = try ProfileCatalog.shipped().resolve(name: "strict")
        var looser = base
        looser.limits.memoryBytes += 1
        var networked = base
        networked.network = .loopback
        var renamed = base
        renamed.name = "other"
        let digests = [base, looser, networked, renamed].map(ProfileDigest.of)
        #expect(Set(digests).count == 4)
    }
}
