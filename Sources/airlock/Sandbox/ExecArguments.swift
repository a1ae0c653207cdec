import Sandbox

/// The flags of `airlock exec` as plain values: what `ExecRun` needs,
/// whichever parser produced them.
struct ExecArguments: Equatable {
    var profile = "strict"
    var readOnlyBinds: [String] = []
    var writableBinds: [String] = []
    var workdir: String?
    var environment: [String] = []
    var timeout: String?
    var memory: String?
    var json = false
    var command: [String] = []

    /// What ArgumentParser's validation of `ExecOptions` reports, or nil.
    var problem: String? {
        if command.isEmpty { return "missing command: airlock exec [options] -- CMD [ARGS...]" }
        if let timeout {
            guard let seconds = Units.seconds(timeout), seconds > 0 else {
                return "--timeout \(timeout) is not a positive duration (e.g. 10, 1.5s, 200ms)"
            }
            if let problem = Units.problem(wallSeconds: seconds) { return "--timeout \(timeout): \(problem)" }
        }
        if let memory {
            guard let bytes = Units.bytes(memory), bytes > 0 else { return "--memory \(memory) is not a size (e.g. 256M, 1G)" }
            if let problem = Units.problem(memoryBytes: bytes) { return "--memory \(memory): \(problem)" }
        }
        for pair in environment where !pair.contains("=") || pair.hasPrefix("=") {
            return "--env \(pair) is not K=V"
        }
        return nil
    }

    /// The plain spelling — `--flag value` or `--flag=value` pairs, `--`,
    /// then the command — read without ArgumentParser, whose reflection over
    /// the options is the largest cost of a one-shot launch's start. Nil
    /// for anything else (help, an unknown or repeated flag, a value that
    /// looks like a flag, a problem), which then goes through ArgumentParser
    /// for its usual messages: this reader accepts nothing it would refuse.
    static func quickParse(_ arguments: [String]) -> ExecArguments? {
        var parsed = ExecArguments()
        var seen: Set<String> = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                parsed.command = Array(arguments[index...])
                return parsed.problem == nil ? parsed : nil
            }
            guard argument.hasPrefix("--") else { return nil }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if name == "json" {
                guard value == nil, seen.insert(name).inserted else { return nil }
                parsed.json = true
                continue
            }
            if value == nil {
                guard index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                value = arguments[index]
                index += 1
            }
            guard let value, !value.hasPrefix("-") || argument.contains("=") else { return nil }
            switch name {
            case "ro-bind": parsed.readOnlyBinds.append(value)
            case "bind": parsed.writableBinds.append(value)
            case "env": parsed.environment.append(value)
            case "profile", "workdir", "timeout", "memory":
                guard seen.insert(name).inserted else { return nil }
                switch name {
                case "profile": parsed.profile = value
                case "workdir": parsed.workdir = value
                case "timeout": parsed.timeout = value
                default: parsed.memory = value
                }
            default: return nil
            }
        }
        return nil  // no `--`: no command
    }
}
