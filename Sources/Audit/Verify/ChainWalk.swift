import AirlockCore
import Crypto
import Foundation

/// The state carried from one record to the next while verifying.
struct ChainWalk {
    let storeID: String
    let keys: [Curve25519.Signing.PublicKey]
    var problems: [VerificationReport.Problem] = []
    var count = 0
    var lastSeq: Int64 = 0
    /// Stored hashes of the previous two records (for spotting an insertion).
    var previousHash: HashText
    var hashBeforePrevious: HashText?
    var checkpointsVerified = 0
    /// Highest seq covered by a checkpoint that verified, and the record it sits in.
    var lastAttestedSeq: Int64 = 0
    var endsWithCloseCheckpoint = false
    /// Whether a problem was found after the last verified checkpoint.
    var damageSinceAttested = false

    private static let checkpointPrefix = Array(#"{"fields":{"checkpoint":"#.utf8)

    init(storeID: String, keys: [Curve25519.Signing.PublicKey]) {
        self.storeID = storeID
        self.keys = keys
        self.previousHash = HashText(ChainHash.genesis(storeID: storeID))
    }

    /// Checks one row's position and link on its raw bytes, given whether
    /// its hash recomputed (`RowBatch` hashes rows ahead, on another thread);
    /// only a checkpoint (one row in N) is parsed, to check its signature.
    mutating func visit(_ row: ChainRow, hashMatches: Bool) {
        let seq = row.seq
        count += 1
        let expected = lastSeq + 1
        if seq != expected {
            report(.missingRecords, expected, "records \(expected)…\(seq - 1) are missing (deleted)")
        } else if !previousHash.matches(row.prevHash) {
            if let hashBeforePrevious, hashBeforePrevious.matches(row.prevHash) {
                report(.insertedRecord, seq - 1, "record \(seq - 1) was inserted: record \(seq) chains to \(seq - 2)")
            } else {
                report(.brokenLink, seq, "record \(seq) does not chain to record \(seq - 1) (reordered or replaced)")
            }
        }
        if !hashMatches {
            report(.editedRecord, seq, "record \(seq) does not match its hash (edited, moved or renumbered)")
        }
        endsWithCloseCheckpoint = false
        if row.event.starts(with: Self.checkpointPrefix) {
            checkCheckpoint(at: seq, event: String(decoding: row.event, as: UTF8.self))
        }
        hashBeforePrevious = previousHash
        previousHash = HashText(bytes: row.hash)
        lastSeq = seq
    }

    private mutating func checkCheckpoint(at seq: Int64, event: String) {
        guard let content = try? CanonicalJSON.parse(event),
              content["kind"]?.stringValue == AuditEvent.Kind.checkpoint.rawValue else { return }
        guard let checkpoint = AuditCheckpoint(fields: content["fields"]) else {
            report(.forgedCheckpoint, seq, "checkpoint record \(seq) is malformed")
            return
        }
        let rangeStart = lastAttestedSeq + 1
        guard let key = keys.first(where: { AuditKeys.keyID($0) == checkpoint.keyID }) else {
            report(.forgedCheckpoint, seq, "checkpoint \(seq) is signed by key \(checkpoint.keyID), which is not trusted")
            return
        }
        guard checkpoint.isSigned(by: key) else {
            report(.forgedCheckpoint, seq, "checkpoint \(seq) has an invalid signature (forged or altered)")
            return
        }
        guard checkpoint.storeID == storeID, checkpoint.seq == seq - 1, HashText(checkpoint.headHash) == previousHash else {
            if damageSinceAttested {
                // Already explained by an earlier finding in this interval.
                report(.checkpointMismatch, seq, "checkpoint \(seq) no longer matches the chain it signed")
            } else {
                // Every hash recomputes, yet the signed head differs: the
                // interval was rewritten and rehashed; it can't be narrowed further.
                report(.checkpointMismatch, rangeStart,
                       "checkpoint \(seq) signed a different chain: records \(rangeStart)…\(seq - 1) were rewritten")
            }
            return
        }
        checkpointsVerified += 1
        damageSinceAttested = false
        lastAttestedSeq = seq
        endsWithCloseCheckpoint = checkpoint.reason == .close
    }

    /// Compares the walk's end with the head the store recorded.
    mutating func checkHead(seq headSeq: Int64, hash headHash: String?) {
        if headSeq > lastSeq {
            report(.truncated, lastSeq + 1, "records \(lastSeq + 1)…\(headSeq) are missing from the end (truncated)")
        } else if headSeq < lastSeq {
            report(.unexpectedTail, headSeq + 1, "records \(headSeq + 1)…\(lastSeq) were added outside the store")
        } else if headSeq > 0, headHash.map(HashText.init(_:)) != previousHash {
            report(.editedRecord, headSeq, "record \(headSeq) differs from the head the store committed")
        }
    }

    private mutating func report(_ kind: VerificationReport.Problem.Kind, _ seq: Int64, _ message: String) {
        problems.append(.init(kind: kind, seq: seq, message: message))
        damageSinceAttested = true
    }
}
