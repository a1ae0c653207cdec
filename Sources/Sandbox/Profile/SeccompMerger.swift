/// Merges one file's seccomp rules (and `record:`) into the draft.
///
/// Narrowing is always allowed, loosening only explicitly:
/// - `deny:` wins over anything inherited: a denied syscall leaves the
///   allow list and loses its conditions.
/// - `conditions:` narrow: a syscall that gets a condition leaves the
///   outright allow list.
/// - `allow:` by name must not contradict: allowing a syscall the parent
///   denies or conditions is an error until the child says
///   `remove: { seccomp: { deny: [x] } }` (or `conditions: [x]`).
/// - `allow:` by `@group` adds the group's members except those denied or
///   conditioned: a group never loosens a rule someone wrote by name.
/// - Always-denied syscalls can never be allowed, by name or condition (the
///   parser already refused them, see `ProfileDocumentParser.allowable`).
/// Within one file, naming a syscall both allowed and denied (or both
/// allowed outright and conditioned) is an error: one of them is a mistake.
struct SeccompMerger {
    var draft: ProfileDraft
    var log: DiagnosticLog

    mutating func apply(_ document: ProfileDocument) {
        applyRemovals(document.removals)
        let explicitAllows = Dictionary(document.allow.filter { !SyscallSelectors.isGroup($0.value) }
            .map { ($0.value, $0.location) }, uniquingKeysWith: { first, _ in first })
        let ownConditions = Set(document.conditions.map(\.value.syscall))

        for entry in document.deny {
            for name in SyscallSelectors.expand(entry.value) {
                if let allowedAt = explicitAllows[name] {
                    log.error(entry.location, "\(name) is also allowed at line \(allowedAt.line) of this file; keep one")
                    continue
                }
                draft.denied[name] = draft.denied[name] ?? entry.location
                draft.allowed[name] = nil
                draft.conditions.removeAll { $0.value.syscall == name }
            }
        }
        for condition in document.conditions {
            let name = condition.value.syscall
            if let deniedAt = draft.denied[name] {
                log.error(condition.location, "\(name) is denied at \(deniedAt.file):\(deniedAt.line), so a condition would never apply")
                continue
            }
            if !draft.conditions.contains(where: { $0.value == condition.value }) { draft.conditions.append(condition) }
            draft.allowed[name] = nil
        }
        for entry in document.allow {
            if SyscallSelectors.isGroup(entry.value) {
                for name in SyscallSelectors.expand(entry.value) where isFreeToAllow(name) {
                    draft.allowed[name] = draft.allowed[name] ?? entry.location
                }
            } else if checkExplicitAllow(entry, conditionedHere: ownConditions.contains(entry.value)) {
                draft.allowed[entry.value] = entry.location
            }
        }
        for entry in document.record {
            for name in SyscallSelectors.expand(entry.value) { draft.record[name] = draft.record[name] ?? entry.location }
        }
    }

    /// A group member is added unless a rule about it already exists.
    private func isFreeToAllow(_ name: String) -> Bool {
        draft.denied[name] == nil && draft.conditions(on: name).isEmpty && !SyscallRestrictions.isForbidden(name)
            && SyscallRestrictions.conditionOnly[name] == nil
    }

    private mutating func checkExplicitAllow(_ entry: Located<String>, conditionedHere: Bool) -> Bool {
        let name = entry.value
        if let deniedAt = draft.denied[name] {
            log.error(entry.location, "\(name) is denied at \(deniedAt.file):\(deniedAt.line); to allow it, first remove it with remove.seccomp.deny")
            return false
        }
        if let conditioned = draft.conditions(on: name).first {
            let fix = conditionedHere ? "list it only under conditions" : "to allow it outright, first remove them with remove.seccomp.conditions"
            log.error(entry.location, "\(name) is allowed only under conditions (\(conditioned.location.file):\(conditioned.location.line)); \(fix)")
            return false
        }
        return true
    }

    private mutating func applyRemovals(_ removals: ProfileRemovals) {
        for entry in removals.allow where !Self.removeNames(entry.value, from: &draft.allowed) {
            log.error(entry.location, notInherited(entry, list: "allow"))
        }
        for entry in removals.deny {
            if let forbidden = SyscallSelectors.expand(entry.value).first(where: SyscallRestrictions.isForbidden) {
                log.error(entry.location, "\(forbidden) is always denied; no profile can remove that")
                continue
            }
            if !Self.removeNames(entry.value, from: &draft.denied) { log.error(entry.location, notInherited(entry, list: "deny")) }
        }
        for entry in removals.conditions {
            let before = draft.conditions.count
            draft.conditions.removeAll { SyscallSelectors.expand(entry.value).contains($0.value.syscall) }
            if draft.conditions.count == before {
                log.error(entry.location, "\(entry.value) has no inherited conditions, so there is nothing to remove")
            }
        }
        for entry in removals.record where !Self.removeNames(entry.value, from: &draft.record) {
            log.error(entry.location, notInherited(entry, list: "record"))
        }
    }

    /// Removes every name the selector stands for; false when none was there.
    private static func removeNames(_ selector: String, from map: inout [String: SourceLocation]) -> Bool {
        let present = SyscallSelectors.expand(selector).filter { map[$0] != nil }
        for name in present { map[name] = nil }
        return !present.isEmpty
    }

    private func notInherited(_ entry: Located<String>, list: String) -> String {
        "\(entry.value) is not in the inherited \(list) list, so there is nothing to remove"
    }
}
