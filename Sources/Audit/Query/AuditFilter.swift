import AirlockCore
import Foundation
import GRDB

/// Which records `list`, `export`, `stats` and `tail` return. Every
/// condition is optional; set ones must all hold. Filters read the
/// generated, indexed columns, so they see exactly what was hashed.
public struct AuditFilter: Sendable, Hashable {
    public var since: Date?
    public var until: Date?
    /// Actor name (`actor.name`).
    public var actor: String?
    public var tool: String?
    /// Decision effect of `policy.decided` records: allow, deny, review.
    public var effect: String?
    /// A rule id that took part in the decision (`fields.decision.rule_ids`).
    public var decisionRule: String?
    public var approvalID: String?
    public var callID: String?
    public var kinds: [AuditEvent.Kind]
    /// Substring of the (masked) event JSON.
    public var text: String?
    /// Only records after this sequence number (for tail and paging).
    public var afterSeq: Int64?
    /// At most this many records; with `newestFirst`, the newest ones.
    public var limit: Int?
    public var newestFirst: Bool

    public init(since: Date? = nil, until: Date? = nil, actor: String? = nil, tool: String? = nil,
                effect: String? = nil, decisionRule: String? = nil, approvalID: String? = nil,
                callID: String? = nil, kinds: [AuditEvent.Kind] = [], text: String? = nil,
                afterSeq: Int64? = nil, limit: Int? = nil, newestFirst: Bool = false) {
        self.since = since
        self.until = until
        self.actor = actor
        self.tool = tool
        self.effect = effect
        self.decisionRule = decisionRule
        self.approvalID = approvalID
        self.callID = callID
        self.kinds = kinds
        self.text = text
        self.afterSeq = afterSeq
        self.limit = limit
        self.newestFirst = newestFirst
    }

    /// The WHERE clause (empty or starting with " WHERE") and its arguments.
    func whereClause() -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments += [value]
        }
        add("time >= ?", since.map(AuditTime.format))
        add("time <= ?", until.map(AuditTime.format))
        add("actor = ?", actor)
        add("tool = ?", tool)
        add("effect = ?", effect)
        add("EXISTS (SELECT 1 FROM json_each(event, '$.fields.decision.rule_ids') WHERE value = ?)", decisionRule)
        add("approval_id = ?", approvalID)
        add("call_id = ?", callID)
        // The stored event is canonical JSON: the text is searched for as it
        // is written there (a quote as \", a backslash as \\, a control
        // character escaped), so `--text 'printf "'` finds what it names.
        add("instr(event, ?) > 0", text.map { String(CanonicalJSON.encode(.string($0)).dropFirst().dropLast()) })
        add("seq > ?", afterSeq)
        if !kinds.isEmpty {
            conditions.append("kind IN (" + kinds.map { _ in "?" }.joined(separator: ",") + ")")
            for kind in kinds { arguments += [kind.rawValue] }
        }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), arguments)
    }
}
