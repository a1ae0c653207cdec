/// Applies one file on top of what its parents resolved to.
///
/// Merge rules (also in Profiles/README.md):
/// - Scalars override: a child's `network:`, `identity.uid`, `limits.memory`,
///   `workspace.size`, `proc:`... replace the parent's.
/// - Maps merge key by key, the child winning: `environment`, `tmpfs`,
///   `symlinks`.
/// - Lists append: `read_only`, `writable`, `record`, and the seccomp lists.
///   A bind whose destination the parent already binds the same way
///   replaces the parent's entry; binding it the other way (read-only ↔
///   writable) is an error until the child removes the parent's entry.
/// - Taking anything away is explicit: `remove:` names inherited entries,
///   and naming one that is not inherited is an error.
/// - Seccomp narrows freely and loosens only explicitly (see `SeccompMerger`).
/// - `abstract:` and `extends:` are never inherited.
struct ProfileMerger {
    var draft: ProfileDraft
    var log: DiagnosticLog

    mutating func apply(_ document: ProfileDocument) {
        applyRemovals(document.removals)
        overlay(document.settings)
        var seccomp = SeccompMerger(draft: draft, log: log)
        seccomp.apply(document)
        (draft, log) = (seccomp.draft, seccomp.log)
    }

    private mutating func applyRemovals(_ removals: ProfileRemovals) {
        var settings = draft.settings
        let mapRemovals: [(entries: [Located<String>], kind: String, keys: [String], remove: (String) -> Bool)] = [
            (removals.environment, "environment variable", Array(settings.environment.keys),
             { settings.environment.removeValue(forKey: $0) != nil }),
            (removals.tmpfs, "tmpfs mount", Array(settings.tmpfs.keys), { settings.tmpfs.removeValue(forKey: $0) != nil }),
            (removals.symlinks, "symlink", Array(settings.symlinks.keys), { settings.symlinks.removeValue(forKey: $0) != nil }),
            (removals.readOnly, "read-only bind", settings.readOnly.map(\.value.destination),
             { Self.removeBind(at: $0, from: &settings.readOnly) }),
            (removals.writable, "writable bind", settings.writable.map(\.value.destination),
             { Self.removeBind(at: $0, from: &settings.writable) }),
        ]
        for removal in mapRemovals {
            for entry in removal.entries where !removal.remove(entry.value) {
                log.error(entry.location, "\(entry.value) is not an inherited \(removal.kind), so there is nothing to remove\(Suggestion.didYouMean(entry.value, among: removal.keys))")
            }
        }
        draft.settings = settings
    }

    private static func removeBind(at destination: String, from binds: inout [Located<BindMount>]) -> Bool {
        let before = binds.count
        binds.removeAll { $0.value.destination == destination }
        return binds.count != before
    }

    private mutating func overlay(_ child: ProfileSettings) {
        var merged = draft.settings
        merged.description = child.description ?? merged.description
        merged.network = child.network ?? merged.network
        merged.uid = child.uid ?? merged.uid
        merged.gid = child.gid ?? merged.gid
        merged.hostname = child.hostname ?? merged.hostname
        merged.wallSeconds = child.wallSeconds ?? merged.wallSeconds
        merged.cpuSeconds = child.cpuSeconds ?? merged.cpuSeconds
        merged.memoryBytes = child.memoryBytes ?? merged.memoryBytes
        merged.processes = child.processes ?? merged.processes
        merged.outputBytes = child.outputBytes ?? merged.outputBytes
        merged.fileSizeBytes = child.fileSizeBytes ?? merged.fileSizeBytes
        merged.openFiles = child.openFiles ?? merged.openFiles
        merged.workspaceEnabled = child.workspaceEnabled ?? merged.workspaceEnabled
        merged.workspacePath = child.workspacePath ?? merged.workspacePath
        merged.workspaceSize = child.workspaceSize ?? merged.workspaceSize
        merged.proc = child.proc ?? merged.proc
        merged.dev = child.dev ?? merged.dev
        merged.environment.merge(child.environment) { _, child in child }
        merged.tmpfs.merge(child.tmpfs) { _, child in child }
        merged.symlinks.merge(child.symlinks) { _, child in child }
        merged.readOnly = appendBinds(child.readOnly, to: merged.readOnly, other: draft.settings.writable,
                                      otherKind: "writable", otherKey: "writable")
        merged.writable = appendBinds(child.writable, to: merged.writable, other: draft.settings.readOnly,
                                      otherKind: "read-only", otherKey: "read_only")
        draft.settings = merged
    }

    /// Appends binds; one with a destination already bound the same way
    /// replaces it, one bound the other way is an error (it would silently
    /// turn a read-only path writable, or the reverse, without saying so).
    private mutating func appendBinds(_ added: [Located<BindMount>], to list: [Located<BindMount>],
                                      other: [Located<BindMount>], otherKind: String, otherKey: String) -> [Located<BindMount>] {
        var result = list
        for bind in added {
            if let clash = other.first(where: { $0.value.destination == bind.value.destination }) {
                log.error(bind.location, "\(bind.value.destination) is bound \(otherKind) at \(clash.location.file):\(clash.location.line); remove that first with remove.filesystem.\(otherKey)")
                continue
            }
            if let index = result.firstIndex(where: { $0.value.destination == bind.value.destination }) {
                result[index] = bind
            } else {
                result.append(bind)
            }
        }
        return result
    }
}
