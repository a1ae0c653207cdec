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
            if let problem = LimitBounds.wall.problem(seconds) { return "--timeout \(timeout): \(problem)" }
        }
        if let memory {
            guard let bytes = Units.bytes(memory), bytes > 0 else { return "--memory \(memory) is not a size (e.g. 256M, 1G)" }
            if let problem = LimitBounds.memory.problem(bytes) { return "--memory \(memory): \(problem)" }
        }
        if let workdir, !workdir.hasPrefix("/") {
            return "--workdir \(workdir) is not an absolute path (it is a path inside the sandbox, e.g. /src)"
        }
        for pair in environment {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { return "--env \(pair) is not K=V" }
            // The name rule of a profile's `environment:`, so a flag cannot
            // set what no profile could.
            let name = String(pair[..<equals])
            guard EnvironmentNames.isValid(name) else {
                return "--env \(pair): \(name) is not an environment variable name (\(EnvironmentNames.rule))"
            }
        }
        return nil
    }

    /// The flags that take one value (and `--json`). ArgumentParser keeps the
    /// last of a repeated one without a word, so `--profile strict --profile
    /// shell` would run under shell: both readers refuse a repeat instead.
    static let singleValueFlags = ["profile", "workdir", "timeout", "memory", "json"]

    /// The first of `singleValueFlags` given more than once before `--`, as
    /// `--name`, or nil. Every `--name` or `--name=value` token counts: a
    /// value that looks like a flag is never taken as a value by either reader.
    static func repeatedFlag(in arguments: [String]) -> String? {
        var seen: Set<String> = []
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            let name = String(argument.dropFirst(2).prefix { $0 != "=" })
            if singleValueFlags.contains(name), !seen.insert(name).inserted { return "--" + name }
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
        guard repeatedFlag(in: arguments) == nil else { return nil }
        var parsed = ExecArguments()
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
                guard value == nil else { return nil }
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
            case "profile": parsed.profile = value
            case "workdir": parsed.workdir = value
            case "timeout": parsed.timeout = value
            case "memory": parsed.memory = value
            default: return nil
            }
        }
        return nil  // no `--`: no command
    }
}
