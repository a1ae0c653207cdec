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
            /// Records the store's head says exist are gone.
            case truncated
            /// Records beyond the store's recorded head.
            case unexpectedTail = "unexpected_tail"
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
    public var problems: [Problem]

    public var ok: Bool { problems.isEmpty }
    public var firstBadSeq: Int64? { problems.map(\.seq).min() }
}
