import AirlockCore
import Credentials
import Crypto
import Foundation
import Testing

@Suite("Action tokens")
struct ActionTokenTests {
    let ring: SigningKeyRing
    let minter: TokenMinter
    let verifier: TokenVerifier
    let call = ToolCall(tool: "deploy", arguments: ["env": "prod"],
                        actor: Actor(name: "ci-agent", uid: 1000, gid: 1000, pid: 1))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        ring = try SigningKeyRing.open(directory: freshDirectory("keys"))
        minter = TokenMinter(ring: ring)
        verifier = TokenVerifier(keys: ring.verificationKeys)
    }

    private func mint(wall: Duration = .seconds(30)) throws -> MintedToken {
        try minter.mint(for: call, approvalID: "apr-1", runWallLimit: wall, now: now)
    }

    private func rejection(_ token: String, audience: String? = nil, action: String? = nil, at time: Date? = nil,
                           used: UsedTokenRegistry? = nil) -> TokenRejection? {
        do {
            _ = try verifier.verify(token, audience: audience ?? call.tool, actionDigest: action ?? call.actionDigest,
                                    now: time ?? now, usedTokens: used)
            return nil
        } catch let rejection as TokenRejection {
            return rejection
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("a valid token verifies and carries every claim")
    func validVerifies() throws {
        let minted = try mint()
        let claims = try verifier.verify(minted.token, audience: "deploy", actionDigest: call.actionDigest,
                                         now: now.addingTimeInterval(5))
        #expect(claims == minted.claims)
        #expect(claims.sub == "ci-agent")
        #expect(claims.aud == "deploy")
        #expect(claims.act == call.actionDigest)
        #expect(claims.apr == "apr-1")
        #expect(claims.iat == 1_800_000_000)
        #expect(claims.nbf == claims.iat)
        #expect(claims.exp == claims.iat + 30)
        let header = try #require(minted.token.split(separator: ".").first)
        let headerJSON = try CanonicalJSON.parse(Data(base64URL: String(header)))
        #expect(headerJSON["alg"] == "EdDSA")
        #expect(headerJSON["kid"] == .string(ring.activeKID))
    }

    @Test("lifetime is the wall limit capped by config")
    func lifetimeCapped() throws {
        #expect(try mint(wall: .seconds(3600)).claims.exp == 1_800_000_000 + 60)
        let short = TokenMinter(ring: ring, maxLifetime: .seconds(10))
        #expect(try short.mint(for: call, runWallLimit: .seconds(30), now: now).claims.exp == 1_800_000_000 + 10)
    }

    @Test("each failure is rejected with its own message")
    func eachFailureDistinct() throws {
        let minted = try mint()
        let parts = minted.token.split(separator: ".").map(String.init)

        var payload = try CanonicalJSON.parse(Data(base64URL: parts[1])).objectValue ?? [:]
        payload["aud"] = "drop-database"
        let tampered = parts[0] + "." + CanonicalJSON.data(.object(payload)).base64URLEncoded + "." + parts[2]

        let strangerRing = try SigningKeyRing.open(directory: freshDirectory("stranger"))
        let wrongKey = try TokenMinter(ring: strangerRing).mint(for: call, runWallLimit: .seconds(30), now: now)

        let registry = try UsedTokenRegistry(path: freshDirectory("used") + "/used.sqlite")
        #expect(try registry.markUsed(minted.claims))
        #expect(try !registry.markUsed(minted.claims))

        let outcomes: [(String, TokenRejection?)] = [
            ("tampered", rejection(tampered, audience: "drop-database")),
            ("wrong key", rejection(wrongKey.token)),
            ("wrong action", rejection(minted.token, action: String(repeating: "0", count: 64))),
            ("wrong audience", rejection(minted.token, audience: "other-tool")),
            ("expired", rejection(minted.token, at: now.addingTimeInterval(31))),
            ("not yet valid", rejection(minted.token, at: now.addingTimeInterval(-5))),
            ("used", rejection(minted.token, used: registry)),
            ("garbage", rejection("not.a-token")),
        ]
        #expect(outcomes[0].1 == .badSignature)
        #expect(outcomes[1].1 == .unknownKey(kid: strangerRing.activeKID))
        #expect(outcomes[2].1 == .wrongAction(expected: String(repeating: "0", count: 64), actual: call.actionDigest))
        #expect(outcomes[3].1 == .wrongAudience(expected: "other-tool", actual: "deploy"))
        #expect(outcomes[4].1 == .expired(exp: minted.claims.exp))
        #expect(outcomes[5].1 == .notYetValid(nbf: minted.claims.nbf))
        #expect(outcomes[6].1 == .alreadyUsed(jti: minted.claims.jti))
        #expect(outcomes[7].1 == .malformed)
        let messages = outcomes.compactMap { $0.1?.description }
        #expect(messages.count == outcomes.count)
        #expect(Set(messages).count == messages.count)
        #expect(outcomes.allSatisfy { $0.1?.airlockError.code == .credentialInvalid })
    }

    /// A key rotated out still verifies for a while (tokens it signed may
    /// still be in flight), so a leaked one could sign tokens valid for
    /// years: a lifetime longer than the daemon ever mints is refused.
    @Test("a token claiming a longer life than any the daemon mints is refused")
    func overlongLifetimeRejected() throws {
        let long = try TokenMinter(ring: ring, maxLifetime: .seconds(7200)).mint(for: call, runWallLimit: .seconds(7200), now: now)
        #expect(long.claims.exp - long.claims.iat > 3600)
        #expect(rejection(long.token) == .lifetimeTooLong(seconds: long.claims.exp - long.claims.iat, limit: 3600))
        let strict = TokenVerifier(keys: ring.verificationKeys, maxLifetime: .seconds(10))
        #expect(throws: TokenRejection.lifetimeTooLong(seconds: 30, limit: 10)) {
            try strict.verify(try mint().token, audience: call.tool, actionDigest: call.actionDigest, now: now)
        }
    }

    @Test("a token signed by another key under our kid is a bad signature")
    func forgedKidRejected() throws {
        let minted = try mint()
        let parts = minted.token.split(separator: ".").map(String.init)
        let forger = Curve25519.Signing.PrivateKey()
        let signature = try forger.signature(for: Data((parts[0] + "." + parts[1]).utf8))
        let forged = parts[0] + "." + parts[1] + "." + signature.base64URLEncoded
        #expect(rejection(forged) == .badSignature)
    }

    @Test("a verifier pinned to an issuer refuses other issuers")
    func issuerPinned() throws {
        let minted = try mint()
        let pinned = TokenVerifier(keys: ring.verificationKeys, issuer: "airlockd-eu")
        #expect(throws: TokenRejection.wrongIssuer(expected: "airlockd-eu", actual: "airlockd")) {
            _ = try pinned.verify(minted.token, audience: "deploy", actionDigest: call.actionDigest, now: now)
        }
    }

    @Test("a token with alg none is refused")
    func algNoneRefused() throws {
        let minted = try mint()
        let parts = minted.token.split(separator: ".").map(String.init)
        let header = CanonicalJSON.data(["alg": "none", "kid": .string(ring.activeKID)]).base64URLEncoded
        #expect(rejection(header + "." + parts[1] + ".") == .unsupportedAlgorithm("none"))
    }

    @Test("used tokens persist across reopen and expired rows are pruned")
    func usedRegistryPersists() throws {
        let path = freshDirectory("used") + "/used.sqlite"
        let minted = try mint()
        do {
            let registry = try UsedTokenRegistry(path: path)
            try registry.markUsed(minted.claims)
        }
        let reopened = try UsedTokenRegistry(path: path)
        #expect(try reopened.isUsed(minted.claims.jti))
        try reopened.pruneExpired(before: Date(timeIntervalSince1970: TimeInterval(minted.claims.exp + 1)))
        #expect(try !reopened.isUsed(minted.claims.jti))
    }
}

extension Data {
    init(base64URL text: String) throws {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { throw AirlockError.invalidJSON("bad base64url") }
        self = data
    }

    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
