import AirlockCore
import Foundation

/// What the daemon trusts must be in its own hands. A folder or file that
/// another user owns, or that group or others may write, can be swapped
/// under the daemon: a socket replaced by an impostor's, a signing key or a
/// policy replaced by the attacker's. Owned by the daemon's user or root,
/// and writable by nobody else, is the rule for the socket folders, the
/// state folder and every file the daemon reads its rules from.
public enum OwnedPath {
    /// `path` must be a real directory (not a symlink), owned by the
    /// effective uid or root, not writable by group or others. `role` names
    /// it in the error ("the socket directory").
    public static func requireDirectory(_ path: String, role: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw AirlockError(.setupFailed, "cannot inspect \(role) \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw AirlockError(.setupFailed, "\(role) \(path) is not a directory (a symlink?); point it at a real directory")
        }
        try requireControlled(info, path: path, role: role)
    }

    /// `path` (followed through symlinks: what counts is the file read)
    /// must be owned by the effective uid or root and not writable by group
    /// or others.
    public static func requireFile(_ path: String, role: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw AirlockError(.setupFailed, "cannot inspect \(role) \(path): \(String(cString: strerror(errno)))")
        }
        try requireControlled(info, path: path, role: role)
    }

    private static func requireControlled(_ info: stat, path: String, role: String) throws {
        let owner = info.st_uid
        guard owner == geteuid() || owner == 0 else {
            throw AirlockError(.setupFailed, "\(role) \(path) belongs to uid \(owner), who could replace what airlockd "
                + "trusts there; give it to uid \(geteuid()) or root")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw AirlockError(.setupFailed, "\(role) \(path) is writable by group or others (mode "
                + "\(String(info.st_mode & 0o7777, radix: 8))), who could replace what airlockd trusts there; chmod go-w it")
        }
    }
}
