import GRDB
import GRDBSQLite

/// One stored record as SQLite holds it. The buffers point into SQLite's
/// own row memory and are valid only inside the `ChainRows.forEach` body
/// that received them: verify hashes and compares them in place instead of
/// copying four strings out of every row.
struct ChainRow {
    var seq: Int64
    var event: UnsafeRawBufferPointer
    var prevHash: UnsafeRawBufferPointer
    var hash: UnsafeRawBufferPointer
}

/// Walks `audit_events` in `seq` order with SQLite's C API directly: GRDB's
/// row cursor converts every column to a Swift value, which was the larger
/// part of verify's cost per record.
enum ChainRows {
    static func forEach(_ db: Database, _ body: (ChainRow) throws -> Void) throws {
        let statement = try db.makeStatement(sql: "SELECT seq, event, prev_hash, hash FROM audit_events ORDER BY seq")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            try body(ChainRow(seq: sqlite3_column_int64(handle, 0), event: text(handle, 1),
                              prevHash: text(handle, 2), hash: text(handle, 3)))
        }
    }

    /// A column's UTF-8 text (NULL reads as empty, which never matches a hash).
    private static func text(_ handle: SQLiteStatement, _ column: Int32) -> UnsafeRawBufferPointer {
        guard let start = sqlite3_column_text(handle, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column)))
    }
}
