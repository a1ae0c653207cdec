import AirlockCore
import Crypto
import Foundation

/// The state carried from one record to the next while verifying.
struct ChainWalk {
    let storeID: String
    let keys: [Curve25519.Signing.PublicKey]
    /// The keys came from the auditor: checkpoints must then be present at
    /// least as often as their writer promised (see `CheckpointSpacing`).
    let keysTrusted: Bool
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
    private var spacing = CheckpointSpacing()
    private var anchors: AnchorCursor

    /// A row is parsed when it mentions a checkpoint, or holds a `\u`
    /// escape (which could spell the kind without its bytes showing; the
    /// store writes one only for a control character, which is rare).
    private static let checkpointWord = Array("checkpoint".utf8)
    private static let unicodeEscape = Array("\\u".utf8)

    init(storeID: String, keys: [Curve25519.Signing.PublicKey], keysTrusted: Bool, anchors: [ChainAnchor] = []) {
        self.storeID = storeID
        self.keys = keys
        self.keysTrusted = keysTrusted
        self.anchors = AnchorCursor(anchors)
        self.previousHash = HashText(ChainHash.genesis(storeID: storeID))
    }

    var anchorsChecked: Int { anchors.count }

    /// Checks one row's position and link on its raw bytes, given whether
    /// its hash recomputed (`RowBatch` hashes rows ahead, on another thread);
    /// only rows that name the checkpoint kind are parsed, to check them.
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
        // Any row naming the kind is parsed, not just well-formed ones: a
        // checkpoint an attacker made unreadable must not be skipped quietly.
        if Self.checkpointWord.withUnsafeBytes({ ByteSearch.contains(row.event, $0) })
            || Self.unicodeEscape.withUnsafeBytes({ ByteSearch.contains(row.event, $0) }) {
            checkCheckpoint(at: seq, event: String(decoding: row.event, as: UTF8.self))
        }
        checkAnchors(at: seq, hash: row.hash)
        hashBeforePrevious = previousHash
        previousHash = HashText(bytes: row.hash)
        lastSeq = seq
    }

    /// Each anchor due at `seq` must name this record's hash.
    private mutating func checkAnchors(at seq: Int64, hash: UnsafeRawBufferPointer) {
        var matched = true
        for anchor in anchors.take(through: seq) where anchor.seq == seq && !HashText(anchor.headHash).matches(hash) {
            let start = min(max(anchors.lastMatchedSeq, lastAttestedSeq) + 1, seq)
            report(.anchorMismatch, start,
                   "record \(seq) is not the one \(anchor.source) published (hash \(anchor.headHash.prefix(16))…): "
                   + "records \(start)…\(seq) were rewritten or replaced")
            matched = false
        }
        if matched { anchors.confirm(through: seq) }
    }

    private mutating func checkCheckpoint(at seq: Int64, event: String) {
        guard let content = try? CanonicalJSON.parse(event) else {
            report(.forgedCheckpoint, seq, "record \(seq) is not valid JSON, which the store never writes "
                   + "(a checkpoint made unreadable?)")
            return
        }
        guard content["kind"]?.stringValue == AuditEvent.Kind.checkpoint.rawValue else { return }
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
        if keysTrusted, !damageSinceAttested, let gap = spacing.gapBefore(checkpoint, at: seq) {
            report(.missingCheckpoints, gap.first, gap.message)
        }
        spacing.verified(checkpoint, at: seq)
        checkpointsVerified += 1
        damageSinceAttested = false
        lastAttestedSeq = seq
        endsWithCloseCheckpoint = checkpoint.reason == .close
    }

    /// Compares the walk's end with the head the store recorded, the
    /// anchors, and (with trusted keys) the writer's checkpoint interval.
    mutating func finish(headSeq: Int64, headHash: String?) {
        if headSeq > lastSeq {
            report(.truncated, lastSeq + 1, "records \(lastSeq + 1)…\(headSeq) are missing from the end (truncated)")
        } else if headSeq < lastSeq {
            report(.unexpectedTail, headSeq + 1, "records \(headSeq + 1)…\(lastSeq) were added outside the store")
        } else if headSeq > 0, headHash.map(HashText.init(_:)) != previousHash {
            report(.editedRecord, headSeq, "record \(headSeq) differs from the head the store committed")
        }
        if let beyond = anchors.remaining.max(by: { $0.seq < $1.seq }), beyond.seq > lastSeq {
            report(.truncated, lastSeq + 1, "records \(lastSeq + 1)…\(beyond.seq) are missing from the end (truncated): "
                   + "\(beyond.source) published record \(beyond.seq) with hash \(beyond.headHash.prefix(16))…, "
                   + "but the trail ends at \(lastSeq)")
        }
        guard keysTrusted else { return }
        if checkpointsVerified == 0 {
            // Any other finding already explains why none verified, and names where.
            guard problems.isEmpty else { return }
            report(.missingCheckpoints, 1, "no checkpoint signed by a trusted key verified in \(count) records: "
                   + "checkpoints were removed, or this trail was not written with that key")
        } else if !damageSinceAttested, let gap = spacing.tail(lastSeq: lastSeq) {
            report(.missingCheckpoints, gap.first, gap.message)
        }
    }

    private mutating func report(_ kind: VerificationReport.Problem.Kind, _ seq: Int64, _ message: String) {
        problems.append(.init(kind: kind, seq: seq, message: message))
        damageSinceAttested = true
    }
}

/// Anchors in sequence order, consumed as the walk passes them.
private struct AnchorCursor {
    private let sorted: [ChainAnchor]
    private var next = 0
    /// The last anchored record that matched, for narrowing a mismatch.
    private(set) var lastMatchedSeq: Int64 = 0

    init(_ anchors: [ChainAnchor]) {
        sorted = anchors.filter { $0.seq >= 1 }.sorted { $0.seq < $1.seq }
    }

    var count: Int { sorted.count }
    var remaining: ArraySlice<ChainAnchor> { sorted[next...] }

    /// The anchors at or before `seq` not handed out yet (one comparison per
    /// row when none is due, so verify's speed is unchanged without anchors).
    mutating func take(through seq: Int64) -> ArraySlice<ChainAnchor> {
        guard next < sorted.count, sorted[next].seq <= seq else { return [] }
        let start = next
        while next < sorted.count, sorted[next].seq <= seq { next += 1 }
        return sorted[start..<next]
    }

    /// Records up to `seq` agree with every anchor handed out so far.
    mutating func confirm(through seq: Int64) {
        if next > 0, sorted[next - 1].seq == seq { lastMatchedSeq = seq }
    }
}
