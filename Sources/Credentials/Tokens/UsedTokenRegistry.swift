import AirlockCore
import Foundation
import GRDB

/// The `jti`s of tokens whose run has ended, in a small SQLite file (WAL)
/// shared by the daemon (which marks) and `airlock token verify` (which
/// checks), so "used" survives restarts and is seen across processes.
public final class UsedTokenRegistry: Sendable {
    private let pool: DatabasePool

    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try PrivateFile.ensureDirectory(directory) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-used-jti") { db in
            try db.execute(sql: "CREATE TABLE used_jti (jti TEXT PRIMARY KEY NOT NULL, exp INTEGER NOT NULL, used_at REAL NOT NULL)")
        }
        try migrator.migrate(pool)
    }

    public func isUsed(_ jti: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM used_jti WHERE jti = ?)", arguments: [jti]) ?? false
        }
    }

    /// Marks the token used. Returns false when it already was (a second
    /// use: the caller should treat that as an attack, not as success).
    @discardableResult
    public func markUsed(_ claims: ActionTokenClaims, now: Date = Date()) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO used_jti (jti, exp, used_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING",
                           arguments: [claims.jti, claims.exp, now.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    /// Forgets tokens that expired before `date`: an expired token is refused
    /// on its `exp` alone, so its row no longer protects anything.
    public func pruneExpired(before date: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM used_jti WHERE exp < ?", arguments: [Int64(date.timeIntervalSince1970)])
        }
    }
}
