/// A program that would run, after unwrapping prefixes (`sudo`, `env`,
/// `xargs`, `timeout`...) and nested scripts (`sh -c`, `eval`, `find -exec`).
struct ShellInvocation: Sendable {
    /// The program's basename (`/usr/bin/rm` → `rm`).
    var name: String { didSet { program = ShellProgram.named(name) } }
    /// `name` among the programs the rules know, looked up once per name.
    private(set) var program: ShellProgram?
    var nameWord: ShellWord
    var args: [ShellWord]
    var redirections: [ShellRedirection]
    /// Wrappers it ran under, outermost first.
    var wrappers: [String]
    var viaSudo: Bool
    /// Identifies its pipeline across nested scripts.
    var pipeline: Int
    var stage: Int
    /// Some argument's command substitution runs a downloader (`sh -c "$(curl ...)"`).
    var argumentsDownload: Bool

    init(name: String, nameWord: ShellWord, args: [ShellWord], redirections: [ShellRedirection], wrappers: [String],
         viaSudo: Bool, pipeline: Int, stage: Int, argumentsDownload: Bool) {
        self.name = name
        self.program = ShellProgram.named(name)
        self.nameWord = nameWord
        self.args = args
        self.redirections = redirections
        self.wrappers = wrappers
        self.viaSudo = viaSudo
        self.pipeline = pipeline
        self.stage = stage
        self.argumentsDownload = argumentsDownload
    }

    /// The program word, the arguments, then the redirection targets: every
    /// word that may name a path or a destination, without building an array of them.
    func forEachWord(_ body: (ShellWord) -> Void) {
        body(nameWord)
        args.forEach(body)
        for redirection in redirections { body(redirection.target) }
    }
}

/// Flattens a parsed script into the invocations that would run.
struct ShellCommandResolver {
    private(set) var invocations: [ShellInvocation] = []
    private(set) var problems: [String] = []
    private var nextPipelineBase = 0
    private let budget: WorkBudget

    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "fish", "busybox"]
    static let interpreters: Set<String> = shells.union(["python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php",
                                                          "lua", "tclsh", "pwsh", "powershell", "source", ".", "osascript", "deno", "bun"])
    static let downloaders: Set<String> = ["curl", "wget", "fetch", "aria2c", "http", "https", "lwp-download", "lwp-request", "xh"]
    static let privilegeWrappers: Set<String> = ["sudo", "su", "doas", "pkexec", "runuser"]

    /// Options that take a value, per wrapper, so the value is not taken for the program.
    private static let wrapperOptionsWithValue: [String: Set<String>] = [
        "sudo": ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir", "--prompt", "--host"],
        "doas": ["-u", "-C"],
        "runuser": ["-u", "-g", "-G", "--user", "--group"],
        "env": ["-u", "-C", "--unset", "--chdir"],
        "nice": ["-n", "--adjustment"],
        "ionice": ["-c", "-n", "-p", "--class", "--classdata"],
        "timeout": ["-s", "-k", "--signal", "--kill-after"],
        "stdbuf": ["-i", "-o", "-e"],
        "xargs": ["-I", "-i", "-n", "-P", "-L", "-l", "-d", "-E", "-e", "-s", "-a", "--max-args", "--max-procs", "--delimiter", "--arg-file", "--replace"],
        "flock": ["-w", "-E", "--timeout", "--conflict-exit-code"],
        "watch": ["-n", "-d", "--interval"],
        "strace": ["-e", "-o", "-p", "-s", "-u"],
        "chrt": [],
        "taskset": [],
        "unshare": [],
    ]
    /// Wrappers followed by exactly one positional before the program.
    private static let wrappersWithPositional: Set<String> = ["timeout", "flock", "chroot", "taskset", "chrt"]
    private static let plainWrappers: Set<String> = ["nohup", "time", "command", "builtin", "exec", "setsid", "unbuffer",
                                                      "caffeinate", "ltrace", "busybox", "toybox", "stdbuf", "nice", "ionice",
                                                      "unshare", "strace"]
    /// Every program the resolver looks through, so that the common case (not a wrapper) costs one lookup.
    private static let wrappers: Set<String> = privilegeWrappers.union(wrapperOptionsWithValue.keys).union(wrappersWithPositional).union(plainWrappers)

    private init(budget: WorkBudget) {
        self.budget = budget
    }

    static func resolve(_ script: ShellScript, depth: Int = 0, budget: WorkBudget = WorkBudget()) -> ShellCommandResolver {
        var resolver = ShellCommandResolver(budget: budget)
        resolver.add(script, depth: depth, viaSudo: false, wrappers: [])
        return resolver
    }

    private mutating func add(_ script: ShellScript, depth: Int, viaSudo: Bool, wrappers: [String]) {
        problems += script.problems
        let base = nextPipelineBase
        nextPipelineBase += (script.commands.map(\.pipeline).max() ?? 0) + 1
        for command in script.commands {
            var words = command.words
            var argumentsDownload = false
            for word in words {
                for substitution in word.substitutions {
                    let before = invocations.count
                    add(substitution, depth: depth + 1, viaSudo: viaSudo, wrappers: wrappers)
                    if invocations[before...].contains(where: { Self.downloaders.contains($0.name) }) { argumentsDownload = true }
                }
            }
            for redirection in command.redirections {
                for substitution in redirection.target.substitutions { add(substitution, depth: depth + 1, viaSudo: viaSudo, wrappers: wrappers) }
            }
            guard !words.isEmpty else { continue }
            let first = words.removeFirst()
            var invocation = ShellInvocation(name: Self.basename(first.text), nameWord: first, args: words,
                                             redirections: command.redirections, wrappers: wrappers, viaSudo: viaSudo,
                                             pipeline: base + command.pipeline, stage: command.stage, argumentsDownload: argumentsDownload)
            unwrap(&invocation, depth: depth)
        }
    }

    static func basename(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "/")) else { return path }   // most names: no path to strip
        return path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Records `invocation`, then whatever it runs in turn.
    private mutating func unwrap(_ invocation: inout ShellInvocation, depth: Int) {
        invocations.append(invocation)
        guard depth <= IntentLimits.maximumNesting else { problems.append("shell commands \(IntentLimits.nestingProblem)"); return }
        let name = invocation.name
        let args = invocation.args
        if Self.wrappers.contains(name) {
            if name == "su" || (name == "runuser" && args.contains { $0.text == "-c" }) {
                if let c = args.firstIndex(where: { $0.text == "-c" || $0.text == "--command" }), c + 1 < args.count {
                    nested(args[c + 1], from: invocation, depth: depth, sudo: true)
                }
                return
            }
            var k = 0
            let withValue = Self.wrapperOptionsWithValue[name] ?? []
            while k < args.count {
                let text = args[k].text
                if text == "--" { k += 1; break }
                if name == "env" || name == "sudo", assignmentLike(text) { k += 1; continue }
                if name == "env", text == "-S" || text == "--split-string", k + 1 < args.count {
                    nested(args[k + 1], from: invocation, depth: depth, sudo: false)
                    return
                }
                guard text.hasPrefix("-"), text.count > 1 else { break }
                k += withValue.contains(text) ? 2 : 1
            }
            if Self.wrappersWithPositional.contains(name) { k += 1 }
            guard k < args.count else { return }
            var inner = invocation
            inner.nameWord = args[k]
            inner.name = Self.basename(args[k].text)
            inner.args = Array(args[(k + 1)...])
            inner.wrappers.append(name)
            if Self.privilegeWrappers.contains(name) { inner.viaSudo = true }
            if name == "xargs" {
                // Its input becomes arguments nobody has seen yet.
                inner.args.append(ShellWord(text: "<xargs input>", isDynamic: true))
            }
            if name == "watch" {
                nested(ShellWord(text: args[k...].map(\.text).joined(separator: " ")), from: inner, depth: depth, sudo: inner.viaSudo)
                return
            }
            unwrap(&inner, depth: depth + 1)
            return
        }
        switch name {
        case _ where Self.shells.contains(name):
            if let c = args.firstIndex(where: { $0.text.hasPrefix("-") && !$0.text.hasPrefix("--") && $0.text.contains("c") }), c + 1 < args.count {
                nested(args[c + 1], from: invocation, depth: depth, sudo: invocation.viaSudo)
            }
            for redirection in invocation.redirections where redirection.heredocBody != nil {
                nested(ShellWord(text: redirection.heredocBody!), from: invocation, depth: depth, sudo: invocation.viaSudo)
            }
        case "eval":
            nested(ShellWord(text: args.map(\.text).joined(separator: " "), isDynamic: args.contains(where: \.isDynamic)),
                   from: invocation, depth: depth, sudo: invocation.viaSudo)
        case "find":
            resolveFind(invocation, depth: depth)
        case "alias":
            // An alias may run later in the same script; its body counts as commands now.
            for arg in args { if let eq = arg.text.firstIndex(of: "=") { nested(ShellWord(text: String(arg.text[arg.text.index(after: eq)...])), from: invocation, depth: depth, sudo: invocation.viaSudo) } }
        default:
            break
        }
    }

    private func assignmentLike(_ text: String) -> Bool {
        guard text.utf8.contains(UInt8(ascii: "=")), let eq = text.firstIndex(of: "="), eq != text.startIndex else { return false }
        return text[..<eq].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// Parses `word` as a script run by `outer` (sh -c, eval, su -c, watch).
    private mutating func nested(_ word: ShellWord, from outer: ShellInvocation, depth: Int, sudo: Bool) {
        if word.isDynamic && word.substitutions.isEmpty && word.text.contains("$") {
            problems.append("script text is only known at run time")
        }
        let script = ShellParser.parse(word.text, depth: depth + 1, budget: budget)
        add(script, depth: depth + 1, viaSudo: sudo || outer.viaSudo, wrappers: outer.wrappers + [outer.name])
    }

    /// `find PATHS -delete` is a recursive delete of PATHS; `-exec CMD {} ;`
    /// runs CMD on what it finds, so `{}` stands for the search roots.
    private mutating func resolveFind(_ invocation: ShellInvocation, depth: Int) {
        let args = invocation.args
        let roots = args.prefix { !$0.text.hasPrefix("-") && $0.text != "(" && $0.text != "!" }
        let rootWords = roots.isEmpty ? [ShellWord(text: ".")] : Array(roots)
        // `-name '*.pyc'` and the like select some files; `-type f` alone still selects everything.
        let selective = zip(args, args.dropFirst()).contains { option, value in
            ["-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-newer", "-mtime", "-mmin", "-size", "-user", "-inum"].contains(option.text)
                && value.text != "*"
        }
        var k = roots.count
        while k < args.count {
            let text = args[k].text
            if text == "-delete" && !selective {
                var rm = invocation
                rm.name = "rm"
                rm.args = [ShellWord(text: "-r")] + rootWords
                rm.wrappers.append("find")
                invocations.append(rm)
            }
            if ["-exec", "-execdir", "-ok", "-okdir"].contains(text), k + 1 < args.count {
                let end = args[(k + 1)...].firstIndex { $0.text == ";" || $0.text == "+" } ?? args.count
                var command = Array(args[(k + 1)..<end])
                command = command.flatMap { $0.text == "{}" ? rootWords : [$0] }
                if let program = command.first {
                    var inner = invocation
                    inner.nameWord = program
                    inner.name = Self.basename(program.text)
                    inner.args = Array(command.dropFirst())
                    inner.wrappers.append("find")
                    unwrap(&inner, depth: depth + 1)
                }
                k = end
            }
            k += 1
        }
    }
}
