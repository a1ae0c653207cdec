import AirlockCore
import Foundation

/// Refuses a bind source whose path passes through a symlink that a sandbox
/// could have planted. Symlinks owned by root are the admin's (Debian's
/// /lib → usr/lib, /etc/resolv.conf → /run/...); any other owner could be a
/// sandbox that had that directory bound writable, turning a later run's
/// read-only bind into a view of some other host path. The child re-opens
/// the resolved path with RESOLVE_NO_SYMLINKS, so a symlink swapped in after
/// this check fails the launch rather than redirecting it.
enum BindSourceGuard {
    static func check(_ path: String) throws {
        var prefix = ""
        var hops = 0
        var pending = path.split(separator: "/").map(String.init)
        while !pending.isEmpty {
            let component = pending.removeFirst()
            let current = prefix + "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else { return } // absence is reported by the caller
            guard (info.st_mode & S_IFMT) == S_IFLNK else {
                prefix = current
                continue
            }
            guard info.st_uid == 0 else {
                throw AirlockError(.invalidArguments,
                    "bind source \(path) passes through the symlink \(current), owned by uid \(info.st_uid), not root; "
                        + "a sandbox may have planted it. Bind the real path instead")
            }
            hops += 1
            guard hops <= 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                throw AirlockError(.invalidArguments, "bind source \(path): too many or unreadable symlinks at \(current)")
            }
            // Continue through the link's target, re-checking its components.
            let rest = target.split(separator: "/").map(String.init)
            if target.hasPrefix("/") { prefix = "" }
            pending = rest + pending
        }
    }
}
