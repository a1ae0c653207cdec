import AirlockCore
import Crypto
import Foundation

/// The hash chain. Each record's hash is sha256 over the canonical JSON of
/// its sealed envelope `{"event":E,"prev_hash":P,"seq":N}`, where `E` is the
/// canonical (masked) event content. Keys sort as `event < prev_hash < seq`,
/// so the envelope's canonical text is a plain concatenation of stored
/// columns: verifying a million records needs no JSON parsing, yet anyone
/// can recompute a hash from an exported line with any RFC 8785 tool.
enum ChainHash {
    /// The `prev_hash` of record 1. Bound to the store's random id, so a
    /// chain (or a checkpoint) lifted from one store never verifies in another.
    static func genesis(storeID: String) -> String {
        Digest.sha256Hex("airlock.audit.genesis:" + storeID)
    }

    static func hash(event: String, prevHash: String, seq: Int64) -> String {
        var hasher = ChainHasher()
        return hasher.hash(event: event, prevHash: prevHash, seq: seq).string
    }

    /// One exported line: the sealed envelope plus its `hash`, canonical too
    /// (`event < hash < prev_hash < seq`).
    static func exportLine(event: String, prevHash: String, seq: Int64, hash: String) -> String {
        "{\"event\":" + event + ",\"hash\":\"" + hash + "\",\"prev_hash\":\"" + prevHash + "\",\"seq\":" + String(seq) + "}"
    }
}
