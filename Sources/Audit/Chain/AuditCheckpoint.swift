import AirlockCore
import Crypto
import Foundation

/// A signed statement "the chain of store S had head hash H at sequence N,
/// and its writer signs at least every E events".
///
/// The store appends one as an `audit.checkpoint` event every E events, on
/// a timer, and on close, so it is itself chained and exported with the
/// rest; an auditor who holds the daemon's public key can then prove that
/// nothing up to N was edited, even by someone who recomputed every hash
/// after editing. Because the interval E is signed, the verifier can also
/// tell that checkpoints were *removed*: a run of more than E records
/// without one cannot have come from this writer. Each checkpoint is also
/// published outside the database (`AnchorFile`), which is what exposes a
/// cut-off tail or a restored older copy.
///
/// Format versions: v2 (`every_events` present, and the reasons `start`
/// and `timer`, which a v1 reader rejects) is what the store writes.
/// v1 checkpoints, written before the interval was signed, still verify;
/// the verifier assumes for them the only interval that writer used
/// (`legacyEveryEvents`).
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    /// Why it was written: when the writer started, every N events, by the
    /// timer, on close, or on request.
    public enum Reason: String, Sendable, Hashable, Codable { case start, interval, timer, close, manual }

    /// What the verifier assumes of a v1 checkpoint: that daemon signed every
    /// 1000 events, checked once per committed batch of at most 4096.
    public static let legacyEveryEvents: Int64 = 1000 + 4096

    /// Last sequence number covered (the record just before the checkpoint).
    public var seq: Int64
    public var headHash: String
    public var storeID: String
    public var time: String
    public var reason: Reason
    /// `AuditKeys.keyID` of the signing key.
    public var keyID: String
    /// The writer's promise: at most this many records between two
    /// checkpoints (0: only on close or request). `nil` in a v1 checkpoint.
    public var everyEvents: Int64?
    /// Ed25519 signature over `signedText`, base64.
    public var signature: String

    /// Domain-separated canonical JSON of every field but the signature.
    public var signedText: String {
        var members: [String: JSONValue] = [
            "type": "airlock.audit.checkpoint.v1",
            "seq": .int(seq), "head_hash": .string(headHash), "store_id": .string(storeID),
            "time": .string(time), "reason": .string(reason.rawValue), "key_id": .string(keyID),
        ]
        if let everyEvents {
            members["type"] = "airlock.audit.checkpoint.v2"
            members["every_events"] = .int(everyEvents)
        }
        return JSONValue.object(members).canonicalText
    }

    /// The interval the verifier holds this checkpoint's writer to; `nil`
    /// when the writer promised none (`every_events` 0).
    var promisedInterval: Int64? {
        guard let everyEvents else { return Self.legacyEveryEvents }
        return everyEvents > 0 ? everyEvents : nil
    }

    static func signed(seq: Int64, headHash: String, storeID: String, reason: Reason, everyEvents: Int64,
                       key: Curve25519.Signing.PrivateKey, time: Date = Date()) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(seq: seq, headHash: headHash, storeID: storeID, time: AuditTime.format(time),
                                         reason: reason, keyID: AuditKeys.keyID(key.publicKey),
                                         everyEvents: everyEvents, signature: "")
        checkpoint.signature = try key.signature(for: Data(checkpoint.signedText.utf8)).base64EncodedString()
        return checkpoint
    }

    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        guard keyID == AuditKeys.keyID(key), let signatureBytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }

    /// The checkpoint as one JSON object, snake_case: the `checkpoint`
    /// member of the event's fields, and one line of the anchor file.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "seq": .int(seq), "head_hash": .string(headHash), "store_id": .string(storeID),
            "time": .string(time), "reason": .string(reason.rawValue), "key_id": .string(keyID),
            "signature": .string(signature),
        ]
        if let everyEvents { members["every_events"] = .int(everyEvents) }
        return .object(members)
    }

    /// The event's `fields` form: `{"checkpoint": {...}}`.
    var fields: [String: JSONValue] { ["checkpoint": json] }

    init(seq: Int64, headHash: String, storeID: String, time: String, reason: Reason, keyID: String,
         everyEvents: Int64?, signature: String) {
        self.seq = seq
        self.headHash = headHash
        self.storeID = storeID
        self.time = time
        self.reason = reason
        self.keyID = keyID
        self.everyEvents = everyEvents
        self.signature = signature
    }

    /// Reads a checkpoint back from its JSON object (see `json`).
    public init?(json c: JSONValue?) {
        guard let c, let seq = c["seq"]?.intValue,
              let headHash = c["head_hash"]?.stringValue, let storeID = c["store_id"]?.stringValue,
              let time = c["time"]?.stringValue, let reason = c["reason"]?.stringValue.flatMap(Reason.init(rawValue:)),
              let keyID = c["key_id"]?.stringValue, let signature = c["signature"]?.stringValue
        else { return nil }
        var everyEvents: Int64?
        if let every = c["every_events"] {
            guard let value = every.intValue, value >= 0 else { return nil }
            everyEvents = value
        }
        self.init(seq: seq, headHash: headHash, storeID: storeID, time: time, reason: reason, keyID: keyID,
                  everyEvents: everyEvents, signature: signature)
    }

    /// Reads a checkpoint back from an `audit.checkpoint` event's fields.
    init?(fields: JSONValue?) {
        self.init(json: fields?["checkpoint"])
    }
}
