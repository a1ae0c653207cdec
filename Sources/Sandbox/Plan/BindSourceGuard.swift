import AirlockCore
import Foundation

/// Resolves a bind source, refusing a path that passes through a symlink a
/// sandbox could have planted. Symlinks owned by root are the admin's
/// (Debian's /lib → usr/lib, /etc/resolv.conf → /run/...); any other owner
/// could be a sandbox that had that directory bound writable, turning a
/// later run's read-only bind into a view of some other host path.
///
/// The walk itself produces the resolved path, from what each `lstat` saw:
/// resolving the path a second time (realpath) would follow a symlink
/// swapped in after the check and hand the child a clean path to the wrong
/// place. The child re-opens this path with RESOLVE_NO_SYMLINKS, so a
/// symlink swapped in after the walk fails the launch rather than
/// redirecting it.
enum BindSourceGuard {
    /// The source's path with every symlink replaced by its target and
    /// every "." and ".." folded; nil when some component does not exist.
    static func resolve(_ path: String) throws -> String? {
        try walk(path).resolved
    }

    /// `resolve`, and every path it looked at on the way (each component,
    /// each symlink and where it led; a component that was missing ends the
    /// list). A launch image fingerprints them: a link retargeted anywhere
    /// on the way changes one of them.
    static func walk(_ path: String) throws -> (resolved: String?, visited: [String]) {
        var visited: [String] = ["/"]
        var resolved: [String] = []
        var hops = 0
        var pending = path.split(separator: "/").map(String.init)
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component == "." { continue }
            if component == ".." {
                // What is resolved so far holds no symlink: ".." is its parent.
                _ = resolved.popLast()
                continue
            }
            let current = "/" + (resolved + [component]).joined(separator: "/")
            visited.append(current)
            var info = stat()
            guard lstat(current, &info) == 0 else { return (nil, visited) }
            guard (info.st_mode & S_IFMT) == S_IFLNK else {
                resolved.append(component)
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
            if target.hasPrefix("/") { resolved = [] }
            pending = target.split(separator: "/").map(String.init) + pending
        }
        return ("/" + resolved.joined(separator: "/"), visited)
    }
}
