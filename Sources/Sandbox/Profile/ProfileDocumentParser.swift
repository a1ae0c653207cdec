import Yams

/// Parses one profile file into a `ProfileDocument`, checking everything
/// that can be checked without its parents: the shape of every key, units,
/// paths, ids, syscall names and groups. Errors are collected, not thrown
/// one by one, so `airlock profile lint` shows them all at once.
///
/// The format (every key optional; see Profiles/README.md):
///
///     description: text
///     extends: parent-name
///     abstract: true               # only a parent; never run directly
///     network: none | loopback | host
///     identity: { uid: 1000, gid: 1000, hostname: airlock }
///     limits: { wall: 30s, cpu: 30s, memory: 512M, processes: 64,
///               output: 1M, file_size: 64M, open_files: 256 }
///     environment: { NAME: value }
///     filesystem:
///       read_only: [ /usr, { source: /etc/x, destination: /etc/y, optional: true } ]
///       writable:  [ ... same forms ... ]
///       tmpfs: { /tmp: 64M }
///       workspace: { path: /workspace, size: 256M }   # or false
///       symlinks: { /bin: usr/bin }
///       proc: true
///       dev: true
///     seccomp:
///       allow: [ "@default", read, ... ]
///       deny: [ ... ]                  # EPERM
///       conditions:
///         - { syscall: socket, arg: 0, op: "==", value: AF_UNIX }
///     record: [ execve, ... ]
///     remove: { seccomp: { allow, deny, conditions }, record, environment,
///               filesystem: { read_only, writable, tmpfs, symlinks } }
struct ProfileDocumentParser {
    static let topLevelKeys = [
        "description", "extends", "abstract", "network", "identity", "limits", "environment", "filesystem",
        "seccomp", "record", "remove",
    ]

    private var reader: YAMLReader
    private var document: ProfileDocument

    /// Parses `text` (the contents of `file`, shown in errors) as profile `name`.
    static func parse(name: String, file: String, text: String) -> (ProfileDocument, [ProfileDiagnostic]) {
        var parser = ProfileDocumentParser(name: name, file: file)
        parser.parse(text)
        return (parser.document, parser.reader.log.entries)
    }

    private init(name: String, file: String) {
        reader = YAMLReader(file: file)
        document = ProfileDocument(name: name, file: file)
    }

    private mutating func parse(_ text: String) {
        if let line = YAMLAliasCheck.firstAnchorOrAlias(in: text) {
            reader.log.error(SourceLocation(file: reader.file, line: line, field: ""),
                             "YAML anchors and aliases (&name, *name) are not allowed in profiles; write the value out")
            return
        }
        let root: Node
        do {
            // No tag resolution: the reader types every scalar itself, and
            // Yams' default resolver compiles seven regular expressions
            // (ICU) before the first line is read, a cost every one-shot
            // `airlock exec` would pay.
            guard let composed = try Yams.compose(yaml: text, .basic) else { return }  // empty file: says nothing
            root = composed
        } catch {
            reader.log.error(YAMLSyntax.location(of: error, file: reader.file), YAMLSyntax.message(of: error))
            return
        }
        for (key, value, field) in reader.fields(root, "", allowed: Self.topLevelKeys) {
            switch key {
            case "description": document.settings.description = reader.string(value, field)
            case "extends": document.extends = profileName(value, field)
            case "abstract": document.abstract = reader.bool(value, field)?.value ?? false
            case "network": document.settings.network = network(value, field)
            case "identity": identity(value, field)
            case "limits": limits(value, field)
            case "environment": environment(value, field)
            case "filesystem":
                var filesystem = FilesystemSectionParser(reader: reader, settings: document.settings)
                filesystem.parse(value, field)
                (reader, document.settings) = (filesystem.reader, filesystem.settings)
            case "seccomp": seccomp(value, field)
            case "record": document.record = reader.syscallSelectors(value, field)
            case "remove":
                var removals = RemovalSectionParser(reader: reader)
                removals.parse(value, field)
                (reader, document.removals) = (removals.reader, removals.removals)
            default: break
            }
        }
    }

    private mutating func profileName(_ node: Node, _ field: String) -> Located<String>? {
        guard let name = reader.string(node, field) else { return nil }
        guard ProfileNames.isValid(name.value) else {
            reader.error(node, field, "\"\(name.value)\" is not a profile name (\(ProfileNames.rule))")
            return nil
        }
        return name
    }

    private mutating func network(_ node: Node, _ field: String) -> Located<NetworkPolicy>? {
        guard let text = reader.string(node, field) else { return nil }
        guard let policy = NetworkPolicy(rawValue: text.value) else {
            reader.error(node, field, "\"\(text.value)\" is not a network mode (use none, loopback or host)")
            return nil
        }
        return Located(value: policy, location: text.location)
    }

    private mutating func identity(_ node: Node, _ field: String) {
        for (key, value, field) in reader.fields(node, field, allowed: ["uid", "gid", "hostname"]) {
            switch key {
            case "uid": document.settings.uid = unprivilegedID(value, field)
            case "gid": document.settings.gid = unprivilegedID(value, field)
            default:
                guard let hostname = reader.string(value, field) else { continue }
                guard Hostnames.isValid(hostname.value) else {
                    reader.error(value, field, "\"\(hostname.value)\" is not a hostname (letters, digits, - and ., at most 64)")
                    continue
                }
                document.settings.hostname = hostname
            }
        }
    }

    /// uid/gid inside the sandbox: never 0, so no code inside is ever root,
    /// not even root of its own user namespace.
    private mutating func unprivilegedID(_ node: Node, _ field: String) -> Located<UInt32>? {
        guard let id = reader.unsigned(node, field) else { return nil }
        guard id.value != 0 else {
            reader.error(node, field, "0 (root) is never allowed inside the sandbox; use an unprivileged id such as 1000")
            return nil
        }
        guard id.value < UInt64(UInt32.max) else {
            reader.error(node, field, "\(id.value) is not a valid id (below 4294967295)")
            return nil
        }
        return Located(value: UInt32(id.value), location: id.location)
    }

    private mutating func limits(_ node: Node, _ field: String) {
        let keys = ["wall", "cpu", "memory", "processes", "output", "file_size", "open_files"]
        for (key, value, field) in reader.fields(node, field, allowed: keys) {
            switch key {
            case "wall": document.settings.wallSeconds = within(LimitBounds.wall, reader.duration(value, field), value, field)
            case "cpu":
                guard let seconds = positive(reader.duration(value, field), value, field) else { continue }
                guard seconds.value.rounded(.up) == seconds.value else {
                    reader.error(value, field, "the CPU limit is counted by the kernel in whole seconds; use e.g. 1s, 30s")
                    continue
                }
                // Compared as seconds before the conversion, which a huge value would not survive.
                if let problem = LimitBounds.cpu.problem(seconds.value < 1.8e19 ? UInt64(seconds.value) : .max) {
                    reader.error(value, field, problem)
                    continue
                }
                document.settings.cpuSeconds = Located(value: UInt64(seconds.value), location: seconds.location)
            case "processes": document.settings.processes = within(LimitBounds.processes, reader.unsigned(value, field), value, field)
            case "open_files": document.settings.openFiles = within(LimitBounds.openFiles, reader.unsigned(value, field), value, field)
            case "memory": document.settings.memoryBytes = within(LimitBounds.memory, reader.size(value, field), value, field)
            case "output": document.settings.outputBytes = within(LimitBounds.output, reader.size(value, field), value, field)
            default: document.settings.fileSizeBytes = within(LimitBounds.fileSize, reader.size(value, field), value, field)
            }
        }
    }

    /// A limit that is positive and inside its range (`LimitBounds`).
    private mutating func within<T: Sendable & Hashable & Comparable & AdditiveArithmetic>(
        _ bound: LimitBound<T>, _ value: Located<T>?, _ node: Node, _ field: String) -> Located<T>? {
        guard let value = positive(value, node, field) else { return nil }
        if let problem = bound.problem(value.value) {
            reader.error(node, field, problem)
            return nil
        }
        return value
    }

    /// Limits are never zero: a zero limit is either a typo or an attempt to
    /// mean "unlimited", and Airlock has no unlimited.
    private mutating func positive<T: Sendable & Hashable & Comparable & AdditiveArithmetic>(
        _ value: Located<T>?, _ node: Node, _ field: String) -> Located<T>? {
        guard let value else { return nil }
        guard value.value > .zero else {
            reader.error(node, field, "must be greater than zero (there is no unlimited)")
            return nil
        }
        return value
    }

    private mutating func environment(_ node: Node, _ field: String) {
        for (key, keyNode, value, field) in reader.pairs(node, field) {
            guard EnvironmentNames.isValid(key) else {
                reader.error(keyNode, field, "\"\(key)\" is not an environment variable name (\(EnvironmentNames.rule))")
                continue
            }
            guard let text = reader.string(value, field) else { continue }
            guard !text.value.contains("\0") else {
                reader.error(value, field, "an environment value cannot contain a NUL character")
                continue
            }
            document.settings.environment[key] = text
        }
    }

    /// Names no profile may allow outright: the always-denied set, clone3
    /// (ENOSYS), and calls allowed only under a checked condition.
    private mutating func allowable(_ entry: Located<String>) -> Bool {
        let name = entry.value
        if SyscallRestrictions.isForbidden(name) {
            let outcome = SyscallRestrictions.enosys.contains(name) ? "always fails with ENOSYS" : "is always denied"
            reader.log.error(entry.location, "\(name) \(outcome) and can never be allowed (see SyscallRestrictions)")
            return false
        }
        if let values = SyscallRestrictions.conditionOnly[name] {
            let list = values.sorted().map { "0x" + String($0, radix: 16) }.joined(separator: " or ")
            reader.log.error(entry.location, "\(name) may only be allowed under seccomp.conditions with arg 0 == \(list)")
            return false
        }
        return true
    }

    private mutating func seccomp(_ node: Node, _ field: String) {
        for (key, value, field) in reader.fields(node, field, allowed: ["allow", "deny", "conditions"]) {
            switch key {
            case "allow": document.allow = reader.syscallSelectors(value, field).filter { allowable($0) }
            case "deny": document.deny = reader.syscallSelectors(value, field)
            default:
                var conditions = ConditionParser(reader: reader)
                document.conditions = conditions.parse(value, field)
                reader = conditions.reader
            }
        }
    }
}
