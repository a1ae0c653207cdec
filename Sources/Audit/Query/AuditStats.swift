import AirlockCore
import GRDB

/// Counts for `airlock audit stats`: how much went through, to which
/// tools, decided how, for whom, and what the sandbox had to refuse.
public struct AuditStats: Sendable, Hashable, Codable {
    public struct Count: Sendable, Hashable, Codable {
        public var name: String
        public var count: Int
    }

    public var records: Int
    public var byKind: [Count]
    /// `call.received` records per tool.
    public var byTool: [Count]
    /// `policy.decided` records per effect (allow, deny, review).
    public var byEffect: [Count]
    /// `call.received` records per actor.
    public var byActor: [Count]
    /// Denied syscalls summed over `run.finished` results, most frequent first.
    public var topDeniedSyscalls: [Count]

    static func compute(_ db: Database, filter: AuditFilter, top: Int = 10) throws -> AuditStats {
        let (clause, arguments) = filter.whereClause()
        func and(_ condition: String) -> String { clause + (clause.isEmpty ? " WHERE " : " AND ") + condition }
        func counts(_ sql: String) throws -> [Count] {
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { Count(name: $0[0] ?? "-", count: $0[1]) }
        }
        let records = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_events" + clause, arguments: arguments) ?? 0
        return AuditStats(
            records: records,
            byKind: try counts("SELECT kind, count(*) FROM audit_events\(clause) GROUP BY kind ORDER BY 2 DESC, 1"),
            byTool: try counts("SELECT tool, count(*) FROM audit_events\(and("kind = 'call.received'")) GROUP BY tool ORDER BY 2 DESC, 1"),
            byEffect: try counts("SELECT effect, count(*) FROM audit_events\(and("kind = 'policy.decided'")) GROUP BY effect ORDER BY 2 DESC, 1"),
            byActor: try counts("SELECT actor, count(*) FROM audit_events\(and("kind = 'call.received'")) GROUP BY actor ORDER BY 2 DESC, 1"),
            topDeniedSyscalls: try counts("""
                SELECT json_extract(s.value, '$.name') AS name, sum(coalesce(json_extract(s.value, '$.count'), 1)) AS n
                FROM audit_events, json_each(audit_events.event, '$.fields.result.denied_syscalls') AS s
                \(and("kind = 'run.finished'")) GROUP BY name ORDER BY n DESC, name LIMIT \(top)
                """))
    }
}
