import Foundation

/// What `verify` found. `firstBadSeq` is the answer to "since when can this
/// trail no longer be trusted"; `problems` explain each finding in order.
public struct VerificationReport: Sendable, Hashable, Codable {
    public struct Problem: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// The record's content or position no longer matches its hash.
            case editedRecord = "edited_record"
            /// Sequence numbers skip: records were deleted.
            case missingRecords = "missing_records"
            /// A record's `prev_hash` is not its predecessor's hash.
            case brokenLink = "broken_link"
            /// A record sits between two that were chained to each other.
            case insertedRecord = "inserted_record"
            /// A checkpoint's signed head differs from the chain: the range it
            /// covers was rewritten (hashes recomputed after editing).
            case checkpointMismatch = "checkpoint_mismatch"
            /// A checkpoint's signature does not verify, or names an untrusted key.
            case forgedCheckpoint = "forged_checkpoint"
            /// More records without a verified checkpoint than the writer's
            /// signed interval allows, or none verified at all (with trusted
            /// keys): checkpoints were removed or the chain rewritten after them.
            case missingCheckpoints = "missing_checkpoints"
            /// Records the store's head or an anchor says exist are gone.
            case truncated
            /// The record at an anchor's sequence number is not the one the
            /// anchor published: the trail was rewritten or replaced.
            case anchorMismatch = "anchor_mismatch"
            /// The trail is not the store the auditor pinned or the anchors name.
            case wrongStore = "wrong_store"
            /// Records beyond the store's recorded head.
            case unexpectedTail = "unexpected_tail"
            /// The database's own definitions (the columns queries filter on,
            /// their indexes) or its pages are not what Airlock made: list,
            /// show and export may not show what was hashed.
            case schemaAltered = "schema_altered"
        }

        public var kind: Kind
        /// The first sequence number this problem makes untrustworthy.
        public var seq: Int64
        public var message: String
    }

    public var storeID: String
    public var recordsChecked: Int
    public var lastSeq: Int64
    public var checkpointsVerified: Int
    /// Last sequence number covered by a checkpoint that verified.
    public var lastVerifiedCheckpointSeq: Int64
    /// Records after that: chained, but not yet attested by a signature
    /// (a crash, or a daemon still running, leaves some).
    public var unsignedTail: Int64
    /// True when the last record is a verified `close` checkpoint.
    public var closedCleanly: Bool
    /// Where the trusted keys came from: "key file" or "database (self-asserted)".
    public var keySource: String
    /// Anchors (published heads) of this store that were checked.
    public var anchorsChecked: Int
    public var problems: [Problem]

    public var ok: Bool { problems.isEmpty }
    public var firstBadSeq: Int64? { problems.map(\.seq).min() }
}
