import Yams

/// Writes a resolved profile in the profile file format, so what
/// `airlock profile show` prints can be saved and loaded as a profile of
/// its own (it has no `extends:`: everything is spelled out), and resolves
/// to the same rules.
public enum ProfileYAMLWriter {
    public static func render(_ profile: SandboxProfile) throws -> String {
        try Yams.serialize(node: node(for: profile), indent: 2, width: 100, allowUnicode: true)
    }

    static func node(for profile: SandboxProfile) -> Node {
        let limits = profile.limits
        var top: [(Node, Node)] = [
            ("description", quoted(profile.description)),
            ("network", Node(profile.network.rawValue)),
            ("identity", flow([("uid", Node(String(profile.identity.uid))), ("gid", Node(String(profile.identity.gid))),
                               ("hostname", Node(profile.identity.hostname))])),
            ("limits", Node([
                ("wall", Node(ProfileUnits.formatDuration(limits.wallSeconds))),
                ("cpu", Node(ProfileUnits.formatDuration(Double(limits.cpuSeconds)))),
                ("memory", size(limits.memoryBytes)), ("processes", Node(String(limits.processes))),
                ("output", size(limits.outputBytes)), ("file_size", size(limits.fileSizeBytes)),
                ("open_files", Node(String(limits.openFiles))),
            ] as [(Node, Node)])),
            ("environment", Node(profile.environment.set.keys.sorted().map { (Node($0), quoted(profile.environment.set[$0]!)) })),
            ("filesystem", filesystem(profile.filesystem)),
        ]
        // clone's namespace-flag condition is Airlock's own: the loader adds
        // it again and refuses it when written.
        let conditions = profile.seccomp.conditions.filter { $0.syscall != "clone" }
        // A conditioned syscall is written only under conditions (the
        // loader adds it to allow, and refuses it written in both places).
        let conditioned = Set(conditions.map(\.syscall))
        top.append(("seccomp", Node([
            ("allow", list(profile.seccomp.allow.filter { !conditioned.contains($0) })),
            ("deny", list(profile.seccomp.deny)),
            ("conditions", Node(conditions.map { condition in
                flow([("syscall", Node(condition.syscall)), ("arg", Node(String(condition.argument))),
                      ("op", quoted(condition.op.rawValue)), ("value", Node("0x" + String(condition.value, radix: 16)))])
            })),
        ] as [(Node, Node)])))
        top.append(("record", list(profile.record)))
        return Node(top)
    }

    private static func filesystem(_ filesystem: FilesystemPolicy) -> Node {
        let workspace: Node = filesystem.workspace.map {
            flow([("path", Node($0.path)), ("size", size($0.sizeBytes))])
        } ?? Node("false")
        return Node([
            ("read_only", Node(filesystem.readOnly.map(bind))),
            ("writable", Node(filesystem.writable.map(bind))),
            ("tmpfs", Node(filesystem.tmpfs.map { (Node($0.path), size($0.sizeBytes)) })),
            ("workspace", workspace),
            ("symlinks", Node(filesystem.symlinks.map { (Node($0.path), Node($0.target)) })),
            ("proc", Node(filesystem.proc ? "true" : "false")),
            ("dev", Node(filesystem.dev ? "true" : "false")),
        ] as [(Node, Node)])
    }

    private static func bind(_ bind: BindMount) -> Node {
        guard bind.source != bind.destination || bind.optional else { return Node(bind.source) }
        var fields: [(Node, Node)] = [("source", Node(bind.source))]
        if bind.destination != bind.source { fields.append(("destination", Node(bind.destination))) }
        if bind.optional { fields.append(("optional", Node("true"))) }
        return flow(fields)
    }

    private static func list(_ items: [String]) -> Node {
        Node(items.map { Node($0) }, .implicit, .flow)
    }

    private static func flow(_ pairs: [(Node, Node)]) -> Node { Node(pairs, .implicit, .flow) }

    private static func size(_ bytes: UInt64) -> Node { Node(ProfileUnits.formatSize(bytes)) }

    /// Free text is always quoted, so `no`, `1.0` or an empty string stay text.
    private static func quoted(_ text: String) -> Node { Node(text, .implicit, .doubleQuoted) }
}
