/// Path classification for shell facts: what counts as a system path, a
/// dangerous delete target, or a secret location.
enum ShellPaths {
    /// Collapses `//`, `/./` and `..` so `/usr/../etc` and `//etc/` read as `/etc`.
    static func normalize(_ path: String) -> String {
        guard path.hasPrefix("/") || path.hasPrefix("~") else { return path }
        let isHome = path.hasPrefix("~")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if parts.count > (isHome ? 1 : 0) { parts.removeLast() }; continue }
            parts.append(part)
        }
        if isHome { return parts.count == 1 ? "~" : parts.joined(separator: "/") }
        return "/" + parts.joined(separator: "/")
    }

    /// Top-level directories whose deletion breaks the host.
    private static let rootDirectories: Set<String> = [
        "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt", "/opt",
        "/proc", "/root", "/run", "/sbin", "/snap", "/srv", "/sys", "/usr", "/var",
    ]

    /// Trees in which any write or delete changes the system itself.
    private static let systemTrees = ["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/sys", "/proc",
                                      "/root", "/var/lib", "/var/spool/cron", "/dev"]

    /// Device and pseudo files that are fine to write to.
    private static let harmlessDevices = ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/fd/", "/dev/shm/", "/proc/self/fd/"]

    static func isSystemPath(_ raw: String) -> Bool {
        let path = normalize(raw)
        guard path.hasPrefix("/") else { return false }
        if harmlessDevices.contains(where: { path == $0 || ($0.hasSuffix("/") && path.hasPrefix($0)) }) { return false }
        if path == "/" || rootDirectories.contains(path) { return true }
        return systemTrees.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// The literal part of a glob before its first wildcard.
    private static func literalPrefix(_ word: ShellWord) -> String {
        guard word.hasGlob else { return word.text }
        return String(word.text.prefix { !"*?[{".contains($0) })
    }

    /// `/`, `~`, `*`, `.`, a system path, a home directory, or a glob over any of them.
    static func isDangerousDeleteTarget(_ word: ShellWord) -> Bool {
        let prefix = literalPrefix(word)
        let path = normalize(prefix)
        if word.hasGlob {
            // `*`, `./*`, `.*`, `/*`, `~/*`, `/usr/*`, `/e*`: the glob reaches a whole tree.
            if prefix.isEmpty || prefix == "./" || prefix == "." || path == "/" || path == "~" || prefix == "~/" { return true }
            if word.text.hasPrefix("/"), (rootDirectories.union(systemTrees)).contains(where: { Glob.matches(pattern: word.text, path: $0) }) { return true }
            return isSystemPath(prefix) || prefix.hasSuffix("/") && isHomeDirectory(normalize(prefix))
        }
        // Only `.` and `..` components: the working directory or above it, wherever that is.
        if word.text.split(separator: "/").allSatisfy({ $0 == "." || $0 == ".." }) { return true }
        if path == "/" || path == "~" { return true }
        return isSystemPath(path) || isHomeDirectory(path) || isHomeDotEntry(path)
    }

    private static func isHomeDirectory(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return path.hasPrefix("/home/") && parts.count == 2 || path == "/home" || path == "~"
    }

    /// `~/.ssh`, `/home/u/.config`: where a user's keys, credentials and
    /// settings live, as much the home directory as the directory itself.
    private static func isHomeDotEntry(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        if path.hasPrefix("~/") { return parts.count == 2 && parts[1].hasPrefix(".") }
        return path.hasPrefix("/home/") && parts.count == 3 && parts[2].hasPrefix(".")
    }

    /// Secret locations, matched as path fragments after normalization, so
    /// `~/.ssh/id_rsa`, `/home/u/.ssh/` and `$HOME/.ssh` all hit `.ssh/`.
    private static let secretFragments: [(fragment: String, label: String)] = [
        ("/.ssh/", "ssh keys"), ("~/.ssh", "ssh keys"), ("id_rsa", "ssh keys"), ("id_ed25519", "ssh keys"),
        ("id_ecdsa", "ssh keys"), ("id_dsa", "ssh keys"),
        (".aws/credentials", "cloud credentials"), (".aws/config", "cloud credentials"), (".config/gcloud", "cloud credentials"),
        (".azure/", "cloud credentials"), (".kube/config", "cloud credentials"), (".docker/config.json", "registry credentials"),
        (".netrc", "credentials file"), (".pgpass", "credentials file"), (".git-credentials", "credentials file"),
        (".npmrc", "credentials file"), (".pypirc", "credentials file"), (".vault-token", "credentials file"),
        ("/etc/shadow", "password hashes"), ("/etc/gshadow", "password hashes"), ("/etc/sudoers", "sudo configuration"),
        ("/etc/ssl/private", "tls keys"), ("/environ", "process environment"),
        ("169.254.169.254", "cloud metadata"), ("metadata.google.internal", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"), ("100.100.100.200", "cloud metadata"),
    ]

    /// Canonical secret paths a glob is tested against (`cat ~/.ss?/id_*`).
    private static let secretExamples = ["~/.ssh/id_rsa", "~/.ssh/id_ed25519", "~/.ssh/config", "~/.aws/credentials", "/etc/shadow",
                                         ".env", "~/.env", "~/.netrc", "~/.kube/config", "~/.docker/config.json", "/root/.ssh/id_rsa",
                                         "~/.git-credentials", "~/.pgpass"]

    /// Fragments bucketed by their first byte, so a word is scanned once
    /// instead of once per fragment (this runs for every word of every command).
    private static let fragmentsByFirstByte: [[(bytes: [UInt8], label: String)]] = {
        var buckets = Array(repeating: [([UInt8], String)](), count: 256)
        for entry in secretFragments {
            let bytes = Array(entry.fragment.utf8)
            buckets[Int(bytes[0])].append((bytes, entry.label))
        }
        return buckets
    }()

    private static func fragmentLabel(in text: String) -> String? {
        var copy = text
        return copy.withUTF8 { b -> String? in
            for i in b.indices {
                for candidate in fragmentsByFirstByte[Int(b[i])] where i + candidate.bytes.count <= b.count {
                    var k = 1
                    while k < candidate.bytes.count, b[i + k] == candidate.bytes[k] { k += 1 }
                    if k == candidate.bytes.count { return candidate.label }
                }
            }
            return nil
        }
    }

    /// The kind of secret a word names, or nil.
    static func secretKind(_ word: ShellWord) -> String? {
        let text = word.text.hasPrefix("~") || word.text.hasPrefix("/") ? normalize(word.text) + (word.text.hasSuffix("/") ? "/" : "") : word.text
        if let label = fragmentLabel(in: text) { return label }
        if text.includes(".env"), isDotEnv(text) { return "dotenv file" }
        if word.hasGlob {
            for example in secretExamples where Glob.matches(pattern: text, path: example) { return "secret (by glob)" }
        }
        return nil
    }

    /// `.env`, `.env.production`, `config/.env` — but not `.env.example`-style templates.
    private static func isDotEnv(_ text: String) -> Bool {
        for token in text.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == ":" }) {
            let name = token.split(separator: "/").last.map(String.init) ?? ""
            guard name == ".env" || name.hasPrefix(".env.") else { continue }
            if [".example", ".sample", ".template", ".dist"].contains(where: name.hasSuffix) { continue }
            return true
        }
        return false
    }
}
