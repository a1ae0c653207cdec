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
    /// The positions whose standard input it inherits, innermost first: the
    /// groups around it, and for a nested script (`sh -c`, `$(...)`) the
    /// command that runs it. See `stdinSource`.
    var enclosing: [ShellPosition] = []
    /// The subshells and nested scripts around it, outermost first: a `cd`
    /// in one of them ends with it.
    var scope: [Int] = []
    /// Some argument's command substitution runs a downloader (`sh -c "$(curl ...)"`).
    var argumentsDownload: Bool
    /// A `<` or `<<<` redirection is fed by a substitution that runs a
    /// downloader (`sh < <(curl ...)`, `bash <<< "$(curl ...)"`).
    var stdinDownload = false
    /// Its last arguments are read from standard input (under `xargs`).
    var argumentsFromStdin = false
    /// A `-delete` of `find` that selects by name, time or size: the roots
    /// are searched, not wiped whole.
    var selectedByFind = false

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

    var position: ShellPosition { ShellPosition(pipeline: pipeline, stage: stage) }

    /// Every position it belongs to: its own, then the groups around it.
    var memberships: [ShellPosition] { [position] + enclosing }

    /// Where its standard input comes from: the first position, from its own
    /// outwards, that is not the start of a pipeline; nil when it reads the
    /// standard input of the whole call.
    var stdinSource: ShellPosition? {
        if stage > 0 { return position }
        return enclosing.first { $0.stage > 0 }
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
    /// Every `NAME=value` the script and its nested scripts set, including
    /// through `env` and `sudo` (see `ShellScript.assignments`).
    private(set) var assignments: [ShellWord] = []
    private var nextPipelineBase = 0
    /// Nested scripts get negative scope ids, subshells their parser's (non-negative) ones.
    private var nextScope = -1
    private let budget: WorkBudget

    /// Stands for what `xargs` reads from its input.
    static let xargsInput = ShellWord(text: "<xargs input>", isDynamic: true)
    static let downloaders: Set<String> = ["curl", "wget", "fetch", "aria2c", "http", "https", "lwp-download", "lwp-request", "xh"]
    static let privilegeWrappers: Set<String> = ["sudo", "su", "doas", "pkexec", "runuser"]

    private init(budget: WorkBudget) {
        self.budget = budget
    }

    static func resolve(_ script: ShellScript, depth: Int = 0, budget: WorkBudget = WorkBudget()) -> ShellCommandResolver {
        var resolver = ShellCommandResolver(budget: budget)
        resolver.add(script, depth: depth, context: Context(viaSudo: false, wrappers: [], inherited: [], scope: []))
        return resolver
    }

    /// What a script inherits from the command that runs it.
    private struct Context {
        var viaSudo: Bool
        var wrappers: [String]
        /// Positions whose standard input its commands read (see `ShellInvocation.enclosing`).
        var inherited: [ShellPosition]
        var scope: [Int]
    }

    private mutating func add(_ script: ShellScript, depth: Int, context: Context) {
        problems += script.problems
        assignments += script.assignments
        let base = nextPipelineBase
        nextPipelineBase += script.pipelineCount
        for command in script.commands {
            var words = command.words
            let position = ShellPosition(pipeline: base + command.pipeline, stage: command.stage)
            let enclosing = command.enclosing.map { ShellPosition(pipeline: base + $0.pipeline, stage: $0.stage) } + context.inherited
            // `$(...)` reads the command's standard input; `>(...)` reads what the command writes.
            func substitutionContext(_ substitution: ShellScript) -> Context {
                let feed = substitution.readsHolderOutput ? ShellPosition(pipeline: position.pipeline, stage: position.stage + 1) : position
                return Context(viaSudo: context.viaSudo, wrappers: context.wrappers, inherited: [feed] + enclosing, scope: nestedScope(context.scope))
            }
            var argumentsDownload = false
            for word in words {
                for substitution in word.substitutions where addRunsDownloader(substitution, depth: depth, context: substitutionContext(substitution)) {
                    argumentsDownload = true
                }
            }
            var stdinDownload = false
            for redirection in command.redirections {
                for substitution in redirection.target.substitutions where addRunsDownloader(substitution, depth: depth, context: substitutionContext(substitution)) {
                    if redirection.op == "<" || redirection.op == "<<<" { stdinDownload = true }
                }
            }
            guard !words.isEmpty else { continue }
            let first = words.removeFirst()
            var invocation = ShellInvocation(name: Self.basename(first.text), nameWord: first, args: words,
                                             redirections: command.redirections, wrappers: context.wrappers, viaSudo: context.viaSudo,
                                             pipeline: position.pipeline, stage: position.stage, argumentsDownload: argumentsDownload)
            invocation.enclosing = enclosing
            invocation.scope = context.scope + command.subshells
            invocation.stdinDownload = stdinDownload
            unwrap(&invocation, depth: depth)
        }
    }

    /// Adds a substitution's script; whether it runs a downloader.
    private mutating func addRunsDownloader(_ substitution: ShellScript, depth: Int, context: Context) -> Bool {
        let before = invocations.count
        add(substitution, depth: depth + 1, context: context)
        return invocations[before...].contains { Self.downloaders.contains($0.name) }
    }

    private mutating func nestedScope(_ scope: [Int]) -> [Int] {
        defer { nextScope -= 1 }
        return scope + [nextScope]
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
        if let wrapper = ShellWrapper.named(name) {
            let reading = wrapper.read(name, args, depth: depth, budget: budget)
            problems += reading.problems
            assignments += reading.assignments
            guard let program = reading.command.first else { return }
            var inner = invocation
            inner.nameWord = program
            inner.name = Self.basename(program.text)
            inner.args = Array(reading.command.dropFirst())
            inner.wrappers.append(name)
            if Self.privilegeWrappers.contains(name) { inner.viaSudo = true }
            if name == "xargs" {
                // Its input becomes arguments nobody has seen yet.
                inner.args.append(Self.xargsInput)
                inner.argumentsFromStdin = true
            }
            if name == "watch" {
                nested(ShellWord(text: reading.command.map(\.text).joined(separator: " ")), from: inner, depth: depth, sudo: inner.viaSudo)
                return
            }
            unwrap(&inner, depth: depth + 1)
            return
        }
        switch name {
        case _ where ShellInterpreters.isShell(name):
            let inline = ShellInlineScript(shell: name, args)
            if let problem = inline.problem { problems.append(problem) }
            for script in inline.candidates { nested(script, from: invocation, depth: depth, sudo: invocation.viaSudo) }
            for redirection in invocation.redirections {
                // Here-documents and here-strings fed to a shell are its script.
                if let body = redirection.heredocBody {
                    nested(ShellWord(text: body), from: invocation, depth: depth, sudo: invocation.viaSudo)
                } else if redirection.op == "<<<" {
                    nested(redirection.target, from: invocation, depth: depth, sudo: invocation.viaSudo)
                }
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

    /// Parses `word` as a script run by `outer` (sh -c, eval, su -c, watch,
    /// a here-document), which reads `outer`'s standard input and starts in
    /// its working directory.
    private mutating func nested(_ word: ShellWord, from outer: ShellInvocation, depth: Int, sudo: Bool) {
        if word.isDynamic && word.substitutions.isEmpty {
            problems.append("script text is only known at run time")
            // What xargs reads is not text to parse at all.
            if word == Self.xargsInput { return }
        }
        let script = ShellParser.parse(word.text, depth: depth + 1, budget: budget)
        let context = Context(viaSudo: sudo || outer.viaSudo, wrappers: outer.wrappers + [outer.name],
                              inherited: outer.memberships, scope: nestedScope(outer.scope))
        add(script, depth: depth + 1, context: context)
    }

    /// `find PATHS -delete` is a recursive delete of PATHS; `-exec CMD {} ;`
    /// runs CMD on what it finds, so `{}` stands for the search roots.
    private mutating func resolveFind(_ invocation: ShellInvocation, depth: Int) {
        let args = invocation.args
        let roots = args.prefix { !$0.text.hasPrefix("-") && $0.text != "(" && $0.text != "!" }
        let rootWords = roots.isEmpty ? [ShellWord(text: ".")] : Array(roots)
        // `-name '*.pyc'` and the like select some files; `-type f` alone, or a
        // pattern of wildcards only (`-name '*?'`, `-regex '.*'`), still selects everything.
        let selective = zip(args, args.dropFirst()).contains { option, value in
            ["-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-newer", "-mtime", "-mmin",
             "-size", "-user", "-inum", "-samefile", "-links"].contains(option.text)
                && !value.text.allSatisfy({ "*?.".contains($0) })
        }
        var k = roots.count
        while k < args.count {
            let text = args[k].text
            if text == "-delete" {
                // A recursive delete under the roots: of all of them, or of what the tests select.
                var rm = invocation
                rm.name = "rm"
                rm.args = [ShellWord(text: "-r")] + rootWords
                rm.wrappers.append("find")
                rm.selectedByFind = selective
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
