import AirlockCore
import Foundation
import Testing
@testable import Audit

/// The verifier hashes SQLite's column bytes directly; these pin that the
/// bytes it hashes are exactly the canonical envelope the format promises,
/// so anyone with an RFC 8785 tool recomputes the same hashes.
@Suite("Audit chain hash: byte-level hashing matches the canonical envelope")
struct ChainHashTests {
    @Test(arguments: [Int64(1), 9, 10, 12_345, Int64.max])
    func hashIsSha256OfTheCanonicalEnvelope(_ seq: Int64) throws {
        let event = #"{"kind":"call.received","time":"2026-01-01T00:00:00.000000Z","tool":"sql.query \"ü\""}"#
        let prevHash = ChainHash.genesis(storeID: "store-1")
        let envelope = JSONValue.object([
            "event": try CanonicalJSON.parse(event), "prev_hash": .string(prevHash), "seq": .int(seq),
        ])
        #expect(ChainHash.hash(event: event, prevHash: prevHash, seq: seq) == Digest.sha256Hex(envelope.canonicalText))
    }

    @Test func hashTextComparesByteForByte() {
        let hash = ChainHash.hash(event: "{}", prevHash: "p", seq: 1)
        let text = HashText(hash)
        #expect(text.string == hash)
        #expect(text == HashText(hash))
        #expect(text != HashText(hash.uppercased()))
        #expect(text != HashText(String(hash.dropLast())))
        #expect(HashText("short") == HashText("short"))
        #expect(HashText("short") != HashText("shorT"))
        #expect(HashText("").string.isEmpty)
    }

    @Test func oneHasherGivesTheSameHashesAsFreshOnes() {
        var hasher = ChainHasher()
        for seq in Int64(1)...5 {
            let event = String(repeating: "x", count: Int(seq) * 300)
            #expect(hasher.hash(event: event, prevHash: "prev", seq: seq).string
                    == ChainHash.hash(event: event, prevHash: "prev", seq: seq))
        }
    }
}
