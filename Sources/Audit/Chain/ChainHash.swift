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
        // Streams `{"event":E,"prev_hash":"P","seq":N}` into the hasher
        // without concatenating it first (this runs once per record in verify).
        var hasher = SHA256()
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        feed("{\"event\":")
        feed(event)
        feed(",\"prev_hash\":\"")
        feed(prevHash)
        feed("\",\"seq\":")
        feed(String(seq))
        feed("}")
        return lowercaseHex(hasher.finalize())
    }

    /// Hex without per-character `String` appends: the verifier calls this
    /// once per record, so it is on the million-records-a-second path.
    private static func lowercaseHex(_ digest: SHA256Digest) -> String {
        let digits: StaticString = "0123456789abcdef"
        return digest.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
                digits.withUTF8Buffer { table in
                    for (index, byte) in bytes.enumerated() {
                        buffer[index * 2] = table[Int(byte >> 4)]
                        buffer[index * 2 + 1] = table[Int(byte & 0x0f)]
                    }
                }
                return bytes.count * 2
            }
        }
    }

    /// One exported line: the sealed envelope plus its `hash`, canonical too
    /// (`event < hash < prev_hash < seq`).
    static func exportLine(event: String, prevHash: String, seq: Int64, hash: String) -> String {
        "{\"event\":" + event + ",\"hash\":\"" + hash + "\",\"prev_hash\":\"" + prevHash + "\",\"seq\":" + String(seq) + "}"
    }
}
