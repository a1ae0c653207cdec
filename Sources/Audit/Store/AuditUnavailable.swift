import AirlockCore
import GRDB

/// Maps a storage failure to the one error callers act on. Every failure to
/// make an event durable ends here, so the executor refuses the call instead
/// of running it unrecorded; the message says what is wrong with the store.
enum AuditUnavailable {
    static func error(_ error: any Error, path: String) -> AirlockError {
        if let airlock = error as? AirlockError { return airlock }
        guard let database = error as? DatabaseError else {
            return AirlockError(.auditUnavailable, "audit store \(path) failed: \(error)")
        }
        let reason: String
        switch database.resultCode {
        case .SQLITE_READONLY, .SQLITE_PERM:
            reason = "is read-only (check the file, its directory and the mount)"
        case .SQLITE_FULL:
            reason = "is full (the disk or the store's size limit is exhausted)"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            reason = "is locked by another process"
        case .SQLITE_CANTOPEN:
            reason = "cannot be opened"
        case .SQLITE_IOERR:
            reason = "had an I/O error"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            reason = "is corrupt or not an audit database"
        default:
            reason = "failed"
        }
        return AirlockError(.auditUnavailable,
                            "audit store \(path) \(reason): \(database.message ?? "\(database.resultCode)"); refusing to proceed unrecorded")
    }
}
