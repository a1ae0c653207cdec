import AirlockCore

/// Passwords in an argv-shaped JSON array, where the option and its value
/// are separate elements and no text pattern can see them together:
/// `["--password", "X"]`, `["mysql", "-uroot", "-pX"]`,
/// `["sshpass", "-p", "X", "ssh", …]`. Only positions the option makes a
/// password are masked: `-p` is a password only for the mysql family and
/// for sshpass's own options (`ssh -p 22` after it is a port).
enum ArgvPasswords {
    /// Where a masked value goes: the whole element, or what follows `-p` in it.
    enum Span: Equatable {
        case whole
        case afterPrefix(Int)
    }

    static let passwordOptions: Set<String> = ["--password", "--passwd", "--pass", "--db-password"]
    static let mysqlFamily: Set<String> = ["mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mariadb",
                                           "mariadb-dump"]
    /// sshpass options that take a value of their own.
    static let sshpassValueOptions: Set<String> = ["-f", "-d", "-e", "-P"]

    /// The elements of `array` that hold a password, and which part of each.
    static func spans(in array: [JSONValue]) -> [Int: Span] {
        let strings = array.map(\.stringValue)
        guard strings.contains(where: { $0 != nil }) else { return [:] }
        var spans: [Int: Span] = [:]
        var mysql = false
        var index = 0
        while index < strings.count {
            defer { index += 1 }
            guard let element = strings[index] else { continue }
            let program = element.split(separator: "/").last.map(String.init) ?? element
            if mysqlFamily.contains(program) { mysql = true; continue }
            if program == "sshpass" {
                index = sshpassOptions(after: index, strings, into: &spans)
                continue
            }
            if passwordOptions.contains(element), index + 1 < strings.count, let value = strings[index + 1],
               SecretValidators.isPasswordArgument(Substring(value)) {
                spans[index + 1] = .whole
                index += 1
            } else if mysql, element.hasPrefix("-p"), !element.hasPrefix("--"), element.count > 2,
                      SecretValidators.isPasswordArgument(Substring(element.dropFirst(2))) {
                spans[index] = .afterPrefix(2)
            }
        }
        return spans
    }

    /// Walks sshpass's own options (up to the command it runs) and returns
    /// the index of the last one.
    private static func sshpassOptions(after start: Int, _ strings: [String?], into spans: inout [Int: Span]) -> Int {
        var index = start + 1
        while index < strings.count, let option = strings[index], option.hasPrefix("-") {
            if option == "-p", index + 1 < strings.count, let value = strings[index + 1],
               SecretValidators.isPasswordArgument(Substring(value)) {
                spans[index + 1] = .whole
                return index + 1
            }
            if option.hasPrefix("-p"), option.count > 2, SecretValidators.isPasswordArgument(Substring(option.dropFirst(2))) {
                spans[index] = .afterPrefix(2)
                return index
            }
            index += sshpassValueOptions.contains(option) ? 2 : 1
        }
        return index - 1
    }
}
