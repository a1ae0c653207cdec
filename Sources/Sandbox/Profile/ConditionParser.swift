import Yams

/// Parses `seccomp.conditions:` entries:
///
///     - { syscall: socket, arg: 0, op: "==", value: AF_UNIX }
///
/// A syscall that has conditions is allowed only when one of them holds
/// (each becomes one libseccomp rule, and rules for one syscall are
/// alternatives); otherwise the call fails with EPERM.
struct ConditionParser {
    var reader: YAMLReader

    /// Constants admins write by name instead of by number.
    static let namedValues: [String: UInt64] = [
        "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17,
        "AF_VSOCK": 40, "PER_LINUX": 0, "PER_QUERY": 0xFFFF_FFFF, "TIOCSTI": 0x5412, "TIOCLINUX": 0x541C,
    ]

    /// The families `socket` may create, by name, for error messages.
    static let familyNames: [UInt64: String] = [1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK"]

    mutating func parse(_ node: Node, _ field: String) -> [Located<SyscallCondition>] {
        reader.items(node, field).compactMap { condition($0.node, $0.field) }
    }

    private mutating func condition(_ node: Node, _ field: String) -> Located<SyscallCondition>? {
        var syscall: Located<String>?, argument: Located<UInt64>?, op: SyscallCondition.Operator?, value: UInt64?
        let pairs = reader.fields(node, field, allowed: ["syscall", "arg", "op", "value"])
        for (key, child, childField) in pairs {
            switch key {
            case "syscall": syscall = conditionedSyscall(child, childField)
            case "arg":
                argument = reader.unsigned(child, childField)
                if let index = argument?.value, index > 5 {
                    reader.error(child, childField, "syscalls have arguments 0 to 5, not \(index)")
                    argument = nil
                }
            case "op":
                guard let text = reader.string(child, childField) else { continue }
                op = SyscallCondition.Operator(rawValue: text.value)
                if op == nil { reader.error(child, childField, "\"\(text.value)\" is not an operator (use ==, != or &==0)") }
            default: value = argumentValue(child, childField)
            }
        }
        let said = Set(pairs.map(\.key))
        for key in ["syscall", "arg", "op", "value"] where !said.contains(key) {
            reader.error(node, field, "a condition needs syscall, arg, op and value; \(key) is missing")
        }
        guard let syscall, let argument, let op, let value else { return nil }
        let parsed = SyscallCondition(syscall: syscall.value, argument: Int(argument.value), op: op, value: value)
        guard allowedShape(parsed, node, field) else { return nil }
        return Located(value: parsed, location: reader.location(node, field))
    }

    private mutating func conditionedSyscall(_ node: Node, _ field: String) -> Located<String>? {
        guard let name = reader.string(node, field),
              SyscallSelectors.check(name.value, reader: &reader, node: node, field: field) else { return nil }
        if SyscallSelectors.isGroup(name.value) {
            reader.error(node, field, "a condition applies to one syscall, not a group")
            return nil
        }
        if SyscallRestrictions.isForbidden(name.value) {
            reader.error(node, field, "\(name.value) is always denied; no condition can allow it")
            return nil
        }
        if name.value == "clone" {
            reader.error(node, field, "clone is already conditioned by Airlock (no namespace flags) and takes no other conditions")
            return nil
        }
        return name
    }

    private mutating func argumentValue(_ node: Node, _ field: String) -> UInt64? {
        guard let text = reader.string(node, field) else { return nil }
        if let named = Self.namedValues[text.value] { return named }
        if let number = ProfileUnits.parseUnsigned(text.value) { return number }
        let names = Self.namedValues.keys.sorted().joined(separator: ", ")
        reader.error(node, field, "\"\(text.value)\" is not a number or a known constant (\(names))")
        return nil
    }

    /// Syscalls that may only be allowed with particular values.
    private mutating func allowedShape(_ condition: SyscallCondition, _ node: Node, _ field: String) -> Bool {
        if condition.syscall == "ioctl" { return allowedIoctl(condition, node, field) }
        if let families = SyscallRestrictions.socketFamilies[condition.syscall], condition.argument == 0,
           !families.contains(where: condition.holds(for:)) {
            let names = families.map { Self.familyNames[$0] ?? "\($0)" }
            reader.error(node, field, "\(condition.syscall) can only create \(names.joined(separator: ", ")) sockets "
                + "(other families, AF_VSOCK first, reach past the network namespace); this condition allows none of them")
            return false
        }
        guard let safe = SyscallRestrictions.conditionOnly[condition.syscall] else { return true }
        guard condition.argument == 0, condition.op == .equal, safe.contains(condition.value) else {
            let values = safe.sorted().map { "0x" + String($0, radix: 16) }.joined(separator: " or ")
            reader.error(node, field, "\(condition.syscall) may only be allowed with arg 0 == \(values)")
            return false
        }
        return true
    }

    /// A condition on ioctl replaces Airlock's own rule for it (every request
    /// but the terminal-injection ones), so it may only name requests:
    /// `arg 1 == REQUEST`. The kernel reads the request's low 32 bits, which
    /// is what the filter compares; anything else (!=, a mask, another
    /// argument) would also let TIOCSTI or TIOCLINUX through.
    private mutating func allowedIoctl(_ condition: SyscallCondition, _ node: Node, _ field: String) -> Bool {
        guard condition.argument == 1, condition.op == .equal, condition.value <= 0xFFFF_FFFF else {
            reader.error(node, field, "ioctl may only be allowed by request: arg 1 == a 32-bit request number")
            return false
        }
        guard !SyscallRestrictions.terminalInjectionIoctls.contains(condition.value) else {
            reader.error(node, field, "ioctl request 0x\(String(condition.value, radix: 16)) injects terminal input; it is always denied")
            return false
        }
        return true
    }
}
