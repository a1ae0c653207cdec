import Yams

/// Parses `remove:`, the only way a child takes away what its parent gave.
///
///     remove:
///       seccomp: { allow: [...], deny: [...], conditions: [syscall names] }
///       filesystem: { read_only: [dest], writable: [dest], tmpfs: [path], symlinks: [path] }
///       environment: [NAME]
///       record: [syscall names]
struct RemovalSectionParser {
    var reader: YAMLReader
    var removals = ProfileRemovals()

    mutating func parse(_ node: Node, _ field: String) {
        for (key, value, field) in reader.fields(node, field, allowed: ["seccomp", "filesystem", "environment", "record"]) {
            switch key {
            case "seccomp":
                for (key, value, field) in reader.fields(value, field, allowed: ["allow", "deny", "conditions"]) {
                    switch key {
                    case "allow": removals.allow = reader.syscallSelectors(value, field)
                    case "deny": removals.deny = reader.syscallSelectors(value, field)
                    default: removals.conditions = reader.syscallSelectors(value, field)
                    }
                }
            case "filesystem":
                for (key, value, field) in reader.fields(value, field, allowed: ["read_only", "writable", "tmpfs", "symlinks"]) {
                    switch key {
                    case "read_only": removals.readOnly = texts(value, field)
                    case "writable": removals.writable = texts(value, field)
                    case "tmpfs": removals.tmpfs = texts(value, field)
                    default: removals.symlinks = texts(value, field)
                    }
                }
            case "environment": removals.environment = texts(value, field)
            default: removals.record = reader.syscallSelectors(value, field)
            }
        }
    }

    private mutating func texts(_ node: Node, _ field: String) -> [Located<String>] {
        reader.items(node, field).compactMap { reader.string($0.node, $0.field) }
    }
}
