import Yams

/// Parses `filesystem:`: what the child's fresh root contains.
struct FilesystemSectionParser {
    var reader: YAMLReader
    var settings: ProfileSettings

    static let keys = ["read_only", "writable", "tmpfs", "workspace", "symlinks", "proc", "dev"]

    mutating func parse(_ node: Node, _ field: String) {
        for (key, value, field) in reader.fields(node, field, allowed: Self.keys) {
            switch key {
            case "read_only": settings.readOnly = binds(value, field)
            case "writable": settings.writable = binds(value, field)
            case "tmpfs": tmpfs(value, field)
            case "workspace": workspace(value, field)
            case "symlinks": symlinks(value, field)
            case "proc": settings.proc = reader.bool(value, field)
            default: settings.dev = reader.bool(value, field)
            }
        }
        for list in [settings.readOnly, settings.writable] {
            reportDuplicateDestinations(list)
        }
    }

    /// Within one list a repeated destination is a mistake (the merge would
    /// keep only the last); across lists the finalizer reports the clash.
    private mutating func reportDuplicateDestinations(_ binds: [Located<BindMount>]) {
        var first: [String: SourceLocation] = [:]
        for bind in binds {
            if let earlier = first[bind.value.destination] {
                reader.log.error(bind.location, "\(bind.value.destination) is already bound at line \(earlier.line); a path is bound once")
            } else {
                first[bind.value.destination] = bind.location
            }
        }
    }

    /// `- /usr` (same path inside) or `- { source: S, destination: D, optional: true }`.
    private mutating func binds(_ node: Node, _ field: String) -> [Located<BindMount>] {
        reader.items(node, field).compactMap { item in
            if case .scalar = item.node {
                guard let path = path(item.node, item.field) else { return nil }
                return Located(value: BindMount(source: path.value), location: path.location)
            }
            var source: Located<String>?, destination: Located<String>?, optional = false
            for (key, value, field) in reader.fields(item.node, item.field, allowed: ["source", "destination", "optional"]) {
                switch key {
                case "source": source = path(value, field)
                case "destination": destination = path(value, field)
                default: optional = reader.bool(value, field)?.value ?? false
                }
            }
            guard let source else {
                reader.error(item.node, item.field, "a bind needs a source")
                return nil
            }
            let bind = BindMount(source: source.value, destination: destination?.value, optional: optional)
            return Located(value: bind, location: reader.location(item.node, item.field))
        }
    }

    private mutating func tmpfs(_ node: Node, _ field: String) {
        for (path, keyNode, value, field) in reader.pairs(node, field) {
            guard checkMountPoint(path, keyNode, field), let size = boundedSize(value, field) else { continue }
            settings.tmpfs[path] = size
        }
    }

    /// `workspace: false`, `workspace: true`, or `workspace: { path: /workspace, size: 256M }`.
    private mutating func workspace(_ node: Node, _ field: String) {
        if case .scalar = node {
            settings.workspaceEnabled = reader.bool(node, field)
            return
        }
        settings.workspaceEnabled = Located(value: true, location: reader.location(node, field))
        for (key, value, field) in reader.fields(node, field, allowed: ["path", "size"]) {
            if key == "path" {
                guard let path = path(value, field), checkMountPoint(path.value, value, field) else { continue }
                settings.workspacePath = path
            } else {
                settings.workspaceSize = boundedSize(value, field)
            }
        }
    }

    /// A tmpfs size within `LimitBounds.tmpfsSize`: the kernel reads 0 as
    /// "as large as memory allows".
    private mutating func boundedSize(_ node: Node, _ field: String) -> Located<UInt64>? {
        guard let size = reader.size(node, field) else { return nil }
        if let problem = LimitBounds.tmpfsSize.problem(size.value) {
            reader.error(node, field, "a tmpfs size \(problem)")
            return nil
        }
        return size
    }

    private mutating func symlinks(_ node: Node, _ field: String) {
        for (path, keyNode, value, field) in reader.pairs(node, field) {
            guard checkMountPoint(path, keyNode, field), let target = reader.string(value, field) else { continue }
            guard !target.value.isEmpty, !target.value.contains("\0") else {
                reader.error(value, field, "a symlink needs a target such as usr/bin")
                continue
            }
            settings.symlinks[path] = target
        }
    }

    private mutating func path(_ node: Node, _ field: String) -> Located<String>? {
        guard let path = reader.string(node, field) else { return nil }
        guard SandboxPaths.isNormalAbsolute(path.value) else {
            reader.error(node, field, "\"\(path.value)\" is not \(SandboxPaths.rule)")
            return nil
        }
        return path
    }

    /// Something placed inside the new root: a normal absolute path, and
    /// never the root itself (that is always Airlock's fresh tmpfs).
    private mutating func checkMountPoint(_ path: String, _ node: Node, _ field: String) -> Bool {
        guard SandboxPaths.isNormalAbsolute(path) else {
            reader.error(node, field, "\"\(path)\" is not \(SandboxPaths.rule)")
            return false
        }
        guard path != "/" else {
            reader.error(node, field, "the root is always a fresh tmpfs; nothing can be placed at /")
            return false
        }
        return true
    }
}
