import AirlockCore
import Crypto
import Foundation
import Testing
@testable import Audit

/// `airlock audit verify` with what the auditor holds outside the database.
@Suite("airlock audit verify CLI")
struct AuditVerifyCommandTests {
    @Test func anchorAndExpectHeadCatchACutTail() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let key = Curve25519.Signing.PrivateKey()
        let anchorPath = directory.file("audit-anchors.jsonl")
        let store = try AuditStore(path: directory.file("audit.sqlite"), signingKey: key, checkpointEvery: 10,
                                   publish: { try AnchorFile(path: anchorPath).append($0) })
        for index in 0..<30 { _ = try await store.append(AuditEvent(kind: .callReceived, callID: "call-\(index)")) }
        try await store.close()
        try AuditKeys.publicKeyPEM(key.publicKey).write(toFile: directory.file("pub.pem"), atomically: true, encoding: .utf8)
        let path = directory.file("audit.sqlite")
        let hash = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = 30").trimmingCharacters(in: .whitespacesAndNewlines)
        let base = ["audit", "verify", "--db", path, "--public-key", directory.file("pub.pem")]

        let intact = try AirlockCLI.run(base + ["--anchor", anchorPath, "--expect-head", "30:\(hash)"])
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        #expect(intact.stdout.contains("OK: chain intact"))
        #expect(intact.stdout.contains("5 anchors checked"))

        try disableAppendOnlyGuards(path)
        try ChainTampering.cutTail(path, keeping: 22)
        #expect(try AirlockCLI.run(base).status == 0, "without an anchor the cut can't be seen")
        let cut = try AirlockCLI.run(base + ["--anchor", anchorPath])
        #expect(cut.status == 1)
        #expect(cut.stdout.contains("TAMPERED: first bad record 23"))
        #expect(cut.stdout.contains("seq 23: truncated: records 23…33 are missing from the end (truncated): \(anchorPath):4"))
        let expected = try AirlockCLI.run(base + ["--expect-head", "30:\(hash)"])
        #expect(expected.status == 1)
        #expect(expected.stdout.contains("--expect-head published record 30"))

        let badHead = try AirlockCLI.run(base + ["--expect-head", "30"])
        #expect(badHead.status != 0)
        #expect(badHead.stderr.contains("expected SEQ:HASH"))
        let pinned = try AirlockCLI.run(base + ["--store-id", "not-this-one"])
        #expect(pinned.status == 1)
        #expect(pinned.stdout.contains("wrong_store"))
    }
}
