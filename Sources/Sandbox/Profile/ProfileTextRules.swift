/// Spelling rules for the names and paths a profile contains. Kept strict
/// because each ends up in a mount table, an environment block or a file
/// name, where an odd character is at best confusing and at worst a bypass
/// (`/usr/../etc`).

enum ProfileNames {
    static let rule = "lowercase letters, digits, - and _, starting with a letter"

    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}

enum Hostnames {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && !name.hasPrefix("-") && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "."
            }
    }
}

/// Public so that `airlock exec --env` holds a name to the rule of a
/// profile's `environment:`.
public enum EnvironmentNames {
    public static let rule = "letters, digits, _; not starting with a digit"

    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }
}

public enum SandboxPaths {
    static let rule = "an absolute path without . or .. parts, repeated or trailing slashes"

    /// `path` taken from `directory` when relative, with `.`, `..` and
    /// repeated or trailing slashes folded by text alone (a `..` above `/`
    /// stays at `/`): what `isNormalAbsolute` accepts, made from a path a
    /// user typed (`airlock exec --bind ./work`). Nothing on disk is read,
    /// so `link/..` is the folder holding `link`, as the user wrote it.
    public static func normalized(_ path: String, relativeTo directory: String) -> String {
        var parts: [Substring] = []
        for part in ((path.hasPrefix("/") ? "" : directory + "/") + path).split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Absolute and already normal: what you see is the path the kernel walks.
    static func isNormalAbsolute(_ path: String) -> Bool {
        guard path.hasPrefix("/"), !path.contains("\0") else { return false }
        if path == "/" { return true }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// True when `path` is `base` or lies beneath it.
    static func isWithin(_ path: String, _ base: String) -> Bool {
        base == "/" || path == base || path.hasPrefix(base + "/")
    }
}
