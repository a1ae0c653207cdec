import Foundation

/// One step in the story of a call (or of the daemon), before the audit
/// store seals it with a sequence number and hash. Every module reports what
/// it did as `AuditEvent`s; only `Audit` writes them (masked, chained).
///
/// Field names follow Teleport's audit events and OPA's decision logs so
/// that a SIEM reads them without a mapping: `kind` is the event type,
/// `call_id` the correlation id, `actor` the identity block.
public struct AuditEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case callReceived = "call.received"
        case callRefused = "call.refused"
        case policyDecided = "policy.decided"
        case approvalRequested = "approval.requested"
        case approvalReviewed = "approval.reviewed"
        case approvalExpired = "approval.expired"
        case approvalCancelled = "approval.cancelled"
        /// An approve or deny the store refused (a conflicted or unknown
        /// approver, a decided or missing record): nothing changed.
        case approvalReviewRefused = "approval.review_refused"
        /// A wait or resume of someone else's (or no) approval, refused.
        case approvalResumeRefused = "approval.resume_refused"
        case credentialIssued = "credential.issued"
        case credentialUsed = "credential.used"
        case runStarted = "run.started"
        case runFinished = "run.finished"
        case daemonStarted = "daemon.started"
        case daemonStopped = "daemon.stopped"
        case policyLoaded = "policy.loaded"
        case checkpoint = "audit.checkpoint"
    }

    /// Identity block: from the socket, plus the caller's claims.
    public struct ActorInfo: Sendable, Hashable, Codable {
        public var name: String
        public var uid: UInt32
        public var gid: UInt32
        public var pid: Int32
        public var roles: [String]
        public var onBehalfOf: String?
        public var reason: String?

        public init(name: String, uid: UInt32, gid: UInt32, pid: Int32, roles: [String] = [],
                    onBehalfOf: String? = nil, reason: String? = nil) {
            self.name = name
            self.uid = uid
            self.gid = gid
            self.pid = pid
            self.roles = roles
            self.onBehalfOf = onBehalfOf
            self.reason = reason
        }

        public init(_ actor: Actor, claims: CallClaims = CallClaims()) {
            self.init(name: actor.name, uid: actor.uid, gid: actor.gid, pid: actor.pid, roles: actor.roles,
                      onBehalfOf: claims.onBehalfOf, reason: claims.reason)
        }
    }

    public var time: Date
    public var kind: Kind
    public var callID: String?
    public var actor: ActorInfo?
    public var tool: String?
    /// Arguments as received; the audit store masks them before writing.
    public var arguments: JSONValue?
    /// sha256 of the canonical tool + arguments (unmasked), i.e. the action digest.
    public var argumentsDigest: String?
    /// Kind-specific fields (decision, approval, credential jti, run result...).
    public var fields: [String: JSONValue]

    public init(time: Date = Date(), kind: Kind, callID: String? = nil, actor: ActorInfo? = nil, tool: String? = nil,
                arguments: JSONValue? = nil, argumentsDigest: String? = nil, fields: [String: JSONValue] = [:]) {
        self.time = time
        self.kind = kind
        self.callID = callID
        self.actor = actor
        self.tool = tool
        self.arguments = arguments
        self.argumentsDigest = argumentsDigest
        self.fields = fields
    }

    /// An event about a tool call, with identity and action filled in.
    public init(kind: Kind, call: ToolCall, fields: [String: JSONValue] = [:], time: Date = Date()) {
        self.init(time: time, kind: kind, callID: call.id, actor: ActorInfo(call.actor, claims: call.claims),
                  tool: call.tool, arguments: .object(call.arguments), argumentsDigest: call.actionDigest,
                  fields: fields)
    }
}
