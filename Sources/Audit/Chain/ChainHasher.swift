import Crypto

/// Computes chain hashes (see `ChainHash`) from raw bytes. It lays the
/// envelope `{"event":E,"prev_hash":"P","seq":N}` out in one buffer that is
/// reused from record to record and hashes it in a single call: the
/// verifier runs this once per record straight on SQLite's column bytes,
/// so no `String` is built on the million-records-a-second path.
struct ChainHasher {
    private var envelope: [UInt8] = []

    init() {
        envelope.reserveCapacity(1024)
    }

    mutating func hash(event: UnsafeRawBufferPointer, prevHash: UnsafeRawBufferPointer, seq: Int64) -> HashText {
        envelope.removeAll(keepingCapacity: true)
        envelope.append(contentsOf: #"{"event":"#.utf8)
        envelope.append(contentsOf: event)
        envelope.append(contentsOf: #","prev_hash":""#.utf8)
        envelope.append(contentsOf: prevHash)
        envelope.append(contentsOf: #"","seq":"#.utf8)
        envelope.append(contentsOf: String(seq).utf8)
        envelope.append(UInt8(ascii: "}"))
        let digest = envelope.withUnsafeBytes { bytes in
            var sha = SHA256()
            sha.update(bufferPointer: bytes)
            return sha.finalize()
        }
        return HashText(digest: digest)
    }

    mutating func hash(event: String, prevHash: String, seq: Int64) -> HashText {
        var event = event
        var prevHash = prevHash
        return event.withUTF8 { eventBytes in
            prevHash.withUTF8 { prevBytes in
                hash(event: UnsafeRawBufferPointer(eventBytes), prevHash: UnsafeRawBufferPointer(prevBytes), seq: seq)
            }
        }
    }
}
