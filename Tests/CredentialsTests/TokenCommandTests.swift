import AirlockCore
import Credentials
import Foundation
import HostCommandSupport
import Testing

/// `airlock token jwks|verify` as a downstream service runs them: the built
/// binary next to this test binary, exit status and stderr.
@Suite("airlock token CLI")
struct TokenCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let keys = freshDirectory("cli-keys")
    let call = ToolCall(tool: "deploy", arguments: ["env": "prod"], actor: Actor(name: "ci-agent", uid: 1000, gid: 1000, pid: 1))

    private func airlock(_ arguments: [String]) throws -> Outcome {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("airlock")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "airlock must be built next to the test binary (swift build)")
        let finished = try HostCommand.run(binary.path, arguments)
        return Outcome(status: finished.status, stdout: finished.stdoutText, stderr: finished.stderrText)
    }

    private func verify(_ token: String, digest: String? = nil, audience: String = "deploy",
                        extra: [String] = []) throws -> Outcome {
        try airlock(["token", "verify", token, "--action-digest", digest ?? call.actionDigest,
                     "--audience", audience, "--keys", keys] + extra)
    }

    @Test("jwks prints the key set; verify exits 0 only for a matching token")
    func jwksAndVerify() throws {
        let ring = try SigningKeyRing.open(directory: keys)
        let jwks = try airlock(["token", "jwks", "--keys", keys])
        #expect(jwks.status == 0)
        #expect(try JWKSet(json: Data(jwks.stdout.utf8)).keys.map(\.kid) == [ring.activeKID])

        let token = try TokenMinter(ring: ring).mint(for: call, approvalID: "apr-9", runWallLimit: .seconds(30)).token
        let valid = try verify(token)
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("\"apr\":\"apr-9\""))

        let jwksFile = freshDirectory("jwks") + ".json"
        try jwks.stdout.write(toFile: jwksFile, atomically: true, encoding: .utf8)
        #expect(try airlock(["token", "verify", token, "--action-digest", call.actionDigest, "--audience", "deploy",
                             "--jwks", jwksFile]).status == 0)
    }

    @Test("each refusal exits 1 with its own message")
    func refusals() throws {
        let ring = try SigningKeyRing.open(directory: keys)
        let minted = try TokenMinter(ring: ring).mint(for: call, runWallLimit: .seconds(30))
        let expired = try TokenMinter(ring: ring).mint(for: call, runWallLimit: .seconds(1),
                                                       now: Date().addingTimeInterval(-120))
        let usedPath = freshDirectory("used") + "/used.sqlite"
        try UsedTokenRegistry(path: usedPath).markUsed(minted.claims)

        let cases: [(Outcome, String)] = [
            (try verify(minted.token, digest: String(repeating: "a", count: 64)), "bound to action"),
            (try verify(minted.token, audience: "other"), "is for tool deploy"),
            (try verify(expired.token), "expired"),
            (try verify(minted.token, extra: ["--used-db", usedPath]), "already used"),
            (try verify(minted.token, extra: ["--used-db", usedPath + ".typo"]), "does not exist"),
            (try airlock(["token", "verify", minted.token, "--audience", "deploy", "--keys", keys]), "--action-digest is required"),
        ]
        for (outcome, message) in cases {
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains(message), "stderr was: \(outcome.stderr)")
        }
    }

    /// Single use: with --consume the first verification records the use and
    /// a second one, by the same or another service, is refused.
    @Test("--consume accepts a token once")
    func consumeOnce() throws {
        let ring = try SigningKeyRing.open(directory: keys)
        let minted = try TokenMinter(ring: ring).mint(for: call, runWallLimit: .seconds(30))
        let usedPath = freshDirectory("consume") + "/used.sqlite"
        _ = try UsedTokenRegistry(path: usedPath)
        let first = try verify(minted.token, extra: ["--used-db", usedPath, "--consume"])
        let second = try verify(minted.token, extra: ["--used-db", usedPath, "--consume"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(second.status == 1 && second.stderr.contains("already used"), "\(second.stderr)")
        #expect(try airlock(["token", "verify", minted.token, "--action-digest", call.actionDigest, "--audience", "deploy",
                             "--keys", keys, "--consume"]).stderr.contains("--consume needs --used-db"))
    }
}
