import AirlockCore
import Foundation

/// A head the trail is known to have reached: "record `seq` had hash
/// `headHash`". Verify fails when the trail ends before an anchor
/// (`truncated`) or holds a different record there (`anchor_mismatch`).
/// Anchors come from the anchor file the daemon appends each signed
/// checkpoint to, or from `--expect-head SEQ:HASH` (a head noted elsewhere).
public struct ChainAnchor: Sendable, Hashable {
    public var seq: Int64
    public var headHash: String
    /// The store it belongs to; `nil` for a bare expected head, which
    /// applies to whichever trail is verified.
    public var storeID: String?
    /// The signed checkpoint behind it, when it came from an anchor file.
    public var checkpoint: AuditCheckpoint?
    /// Where it came from, for messages: `FILE:LINE` or `--expect-head`.
    public var source: String

    public init(seq: Int64, headHash: String, storeID: String? = nil, checkpoint: AuditCheckpoint? = nil,
                source: String) {
        self.seq = seq
        self.headHash = headHash
        self.storeID = storeID
        self.checkpoint = checkpoint
        self.source = source
    }

    /// Parses `SEQ:HASH` (as `--expect-head` takes it).
    public init(expectedHead text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, parts[1].utf8.count == 64,
              parts[1].utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw AirlockError(.invalidArguments,
                               "--expect-head \(text): expected SEQ:HASH, a record number ≥ 1 and its 64 lowercase hex digit hash")
        }
        self.init(seq: seq, headHash: parts[1], source: "--expect-head")
    }

    /// Parses an anchor file's text: one checkpoint JSON object a line;
    /// blank lines are skipped, anything else is an error naming the line
    /// (a line torn by a crash included: remove it once it is understood).
    static func parse(anchorFile text: String, source: String) throws -> [ChainAnchor] {
        var anchors: [ChainAnchor] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let place = "\(source):\(index + 1)"
            guard let checkpoint = AuditCheckpoint(json: try? CanonicalJSON.parse(trimmed)) else {
                throw AirlockError(.invalidArguments, "anchor \(place) is not a checkpoint line")
            }
            anchors.append(ChainAnchor(seq: checkpoint.seq, headHash: checkpoint.headHash, storeID: checkpoint.storeID,
                                       checkpoint: checkpoint, source: place))
        }
        return anchors
    }
}
