import AirlockCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AuditStore {
    /// Where the daemon keeps its audit trail unless told otherwise, and so
    /// where `airlock audit` looks: `/var/lib/airlock/audit.sqlite` for root,
    /// else `$XDG_STATE_HOME/airlock/audit.sqlite` (`~/.local/state/...`).
    public static var defaultPath: String {
        if geteuid() == 0 { return "/var/lib/airlock/audit.sqlite" }
        let environment = ProcessInfo.processInfo.environment
        let stateHome = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/state")
        return (stateHome as NSString).appendingPathComponent("airlock/audit.sqlite")
    }

    /// Creates the directory (0700) and the database file (0600) before
    /// SQLite does, so the trail is never world-readable, even for a moment.
    /// SQLite gives its -wal and -shm files the database file's mode.
    static func prepareFile(at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw AirlockError(.auditUnavailable,
                                   "cannot create audit directory \(directory): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AirlockError(.auditUnavailable, "cannot create audit store \(path): \(String(cString: strerror(errno)))")
        }
        Glibc.close(fd)
    }
}
