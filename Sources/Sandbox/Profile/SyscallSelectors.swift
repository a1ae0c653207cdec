import Yams

/// An entry under `allow:`, `deny:`, `record:` or `remove:`: a syscall name
/// (`openat`) or a group (`@file-system`).
enum SyscallSelectors {
    static func isGroup(_ selector: String) -> Bool { selector.hasPrefix("@") }

    /// The syscall names a selector stands for (itself, or its group's members).
    static func expand(_ selector: String) -> [String] {
        isGroup(selector) ? SyscallGroups.group(named: selector)?.syscalls ?? [] : [selector]
    }

    /// Records an error and returns false for an unknown group or a name
    /// that is not an x86_64 syscall.
    static func check(_ selector: String, reader: inout YAMLReader, node: Node, field: String) -> Bool {
        if isGroup(selector) {
            guard SyscallGroups.group(named: selector) == nil else { return true }
            let known = SyscallGroups.names.joined(separator: ", ")
            reader.error(node, field, "unknown syscall group \"\(selector)\"\(Suggestion.didYouMean(selector, among: SyscallGroups.names)) (groups: \(known))")
            return false
        }
        guard !SyscallNames.isKnown(selector) else { return true }
        reader.error(node, field, "\"\(selector)\" is not an x86_64 syscall name\(Suggestion.didYouMean(selector, among: SyscallNames.all))")
        return false
    }
}

extension YAMLReader {
    /// A list of syscall names and `@group`s; unknown ones are errors and left out.
    mutating func syscallSelectors(_ node: Node, _ field: String) -> [Located<String>] {
        items(node, field).compactMap { item in
            guard let entry = string(item.node, item.field),
                  SyscallSelectors.check(entry.value, reader: &self, node: item.node, field: item.field) else { return nil }
            return entry
        }
    }
}

/// Turns the YAML library's syntax errors into profile diagnostics.
enum YAMLSyntax {
    static func location(of error: Error, file: String) -> SourceLocation {
        let line: Int
        switch error as? YamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
        case .duplicatedKeysInMapping(_, let context): line = context.mark.line
        default: line = 1
        }
        return SourceLocation(file: file, line: line, field: "")
    }

    static func message(of error: Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            return "YAML syntax: \(problem)" + (context.map { " \($0.text)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key \(duplicates.joined(separator: ", ")): a key may appear once (later lines would silently win)"
        default:
            return "YAML syntax: \(error)"
        }
    }
}
