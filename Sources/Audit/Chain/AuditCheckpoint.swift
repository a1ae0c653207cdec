import AirlockCore
import Crypto
import Foundation

/// A signed statement "the chain of store S had head hash H at sequence N".
/// The store appends one as an `audit.checkpoint` event every N events and
/// on close, so it is itself chained and exported with the rest; an auditor
/// who holds the daemon's public key can then prove that nothing up to N was
/// edited, even by someone who recomputed every hash after editing.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    /// Why it was written: every N events, on close, or on request.
    public enum Reason: String, Sendable, Hashable, Codable { case interval, close, manual }

    /// Last sequence number covered (the record just before the checkpoint).
    public var seq: Int64
    public var headHash: String
    public var storeID: String
    public var time: String
    public var reason: Reason
    /// `AuditKeys.keyID` of the signing key.
    public var keyID: String
    /// Ed25519 signature over `signedText`, base64.
    public var signature: String

    /// Domain-separated canonical JSON of every field but the signature.
    public var signedText: String {
        JSONValue.object([
            "type": "airlock.audit.checkpoint.v1",
            "seq": .int(seq), "head_hash": .string(headHash), "store_id": .string(storeID),
            "time": .string(time), "reason": .string(reason.rawValue), "key_id": .string(keyID),
        ]).canonicalText
    }

    static func signed(seq: Int64, headHash: String, storeID: String, reason: Reason,
                       key: Curve25519.Signing.PrivateKey, time: Date = Date()) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(seq: seq, headHash: headHash, storeID: storeID, time: AuditTime.format(time),
                                         reason: reason, keyID: AuditKeys.keyID(key.publicKey), signature: "")
        checkpoint.signature = try key.signature(for: Data(checkpoint.signedText.utf8)).base64EncodedString()
        return checkpoint
    }

    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        guard keyID == AuditKeys.keyID(key), let signatureBytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }

    /// The event's `fields` form: `{"checkpoint": {...}}` in snake_case.
    var fields: [String: JSONValue] {
        ["checkpoint": .object([
            "seq": .int(seq), "head_hash": .string(headHash), "store_id": .string(storeID),
            "time": .string(time), "reason": .string(reason.rawValue), "key_id": .string(keyID),
            "signature": .string(signature),
        ])]
    }

    init(seq: Int64, headHash: String, storeID: String, time: String, reason: Reason, keyID: String, signature: String) {
        self.seq = seq
        self.headHash = headHash
        self.storeID = storeID
        self.time = time
        self.reason = reason
        self.keyID = keyID
        self.signature = signature
    }

    /// Reads a checkpoint back from an `audit.checkpoint` event's fields.
    init?(fields: JSONValue?) {
        guard let c = fields?["checkpoint"], let seq = c["seq"]?.intValue,
              let headHash = c["head_hash"]?.stringValue, let storeID = c["store_id"]?.stringValue,
              let time = c["time"]?.stringValue, let reason = c["reason"]?.stringValue.flatMap(Reason.init(rawValue:)),
              let keyID = c["key_id"]?.stringValue, let signature = c["signature"]?.stringValue
        else { return nil }
        self.init(seq: seq, headHash: headHash, storeID: storeID, time: time, reason: reason, keyID: keyID,
                  signature: signature)
    }
}
