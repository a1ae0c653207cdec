import AirlockCore
import Foundation

/// One sealed audit event: what was stored, where it sits in the chain and
/// the hash that chains it. Produced by `AuditStore.append` and every query.
///
/// Its JSON form (`Codable`, and each line of `export --format jsonl`) is
/// `{"event":{...},"hash":"…","prev_hash":"…","seq":N}`: remove `hash`,
/// canonicalize, sha256, and you get `hash` back.
public struct AuditRecord: Sendable, Hashable, Codable {
    public var seq: Int64
    public var time: Date
    public var kind: AuditEvent.Kind
    public var callID: String?
    public var actor: AuditEvent.ActorInfo?
    public var tool: String?
    /// Arguments after masking.
    public var arguments: JSONValue?
    /// sha256 of the canonical tool + unmasked arguments.
    public var argumentsDigest: String?
    /// Kind-specific fields, masked.
    public var fields: [String: JSONValue]
    public var prevHash: String
    public var hash: String
    /// The exact canonical event text that was hashed. Kept so a record
    /// always re-verifies byte for byte, whatever `Date` rounding does.
    public var eventText: String

    /// The event content as JSON (what `eventText` encodes).
    public var event: JSONValue { (try? CanonicalJSON.parse(eventText)) ?? .null }

    init(seq: Int64, eventText: String, prevHash: String, hash: String) throws {
        try self.init(seq: seq, content: try CanonicalJSON.parse(eventText), eventText: eventText,
                      prevHash: prevHash, hash: hash)
    }

    /// The record `append` returns, built from the event and its masked
    /// values (no parsing or lookups on the append path).
    init(seq: Int64, event: AuditEvent, masked: EventContent.Masked, eventText: String, prevHash: String, hash: String) {
        self.seq = seq
        self.time = event.time
        self.kind = event.kind
        self.callID = event.callID
        self.actor = masked.actor
        self.tool = masked.tool
        self.arguments = masked.arguments
        self.argumentsDigest = event.argumentsDigest
        self.fields = masked.fields
        self.prevHash = prevHash
        self.hash = hash
        self.eventText = eventText
    }

    private init(seq: Int64, content: JSONValue, eventText: String, prevHash: String, hash: String) throws {
        guard let kindText = content["kind"]?.stringValue, let kind = AuditEvent.Kind(rawValue: kindText) else {
            throw AirlockError(.internalError, "audit record \(seq) has an unknown kind")
        }
        self.seq = seq
        self.time = content["time"]?.stringValue.flatMap(AuditTime.parse) ?? Date(timeIntervalSince1970: 0)
        self.kind = kind
        self.callID = content["call_id"]?.stringValue
        self.actor = EventContent.actor(from: content["actor"])
        self.tool = content["tool"]?.stringValue
        self.arguments = content["arguments"]
        self.argumentsDigest = content["arguments_digest"]?.stringValue
        self.fields = content["fields"]?.objectValue ?? [:]
        self.prevHash = prevHash
        self.hash = hash
        self.eventText = eventText
    }

    /// Whether `hash` matches this record's content, position and predecessor.
    public var hashIsValid: Bool { ChainHash.hash(event: eventText, prevHash: prevHash, seq: seq) == hash }

    /// The canonical JSON line used by `export --format jsonl`.
    public var jsonLine: String { ChainHash.exportLine(event: eventText, prevHash: prevHash, seq: seq, hash: hash) }

    private enum CodingKeys: String, CodingKey {
        case event, hash, prevHash = "prev_hash", seq
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let content = try container.decode(JSONValue.self, forKey: .event)
        try self.init(seq: try container.decode(Int64.self, forKey: .seq), eventText: content.canonicalText,
                      prevHash: try container.decode(String.self, forKey: .prevHash),
                      hash: try container.decode(String.self, forKey: .hash))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(hash, forKey: .hash)
        try container.encode(prevHash, forKey: .prevHash)
        try container.encode(seq, forKey: .seq)
    }
}
