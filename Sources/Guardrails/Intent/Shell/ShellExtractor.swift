/// The shell intent extractor: a command line in, `shell` facts out (and
/// the network destinations it names, for the network facts).
enum ShellExtractor {
    /// `withCommands: false` leaves `shell.commands` empty, for policies that never read it.
    static func facts(_ text: String, network: inout NetworkObservations, withCommands: Bool = true,
                      budget: WorkBudget = WorkBudget()) -> (facts: Value, problems: [String]) {
        let resolver = ShellCommandResolver.resolve(ShellParser.parse(text, budget: budget), budget: budget)
        var analysis = ShellAnalysis(invocations: resolver.invocations)
        analysis.recordsCommands = withCommands
        for invocation in resolver.invocations {
            analysis.observe(invocation)
            ShellNetworkUsage.observe(invocation, into: &network)
        }
        ShellNetworkUsage.observeEnvironment(resolver.assignments, into: &network)
        var problems = resolver.problems
        if budget.isExhausted, !problems.contains(WorkBudget.exhaustedProblem) { problems.append(WorkBudget.exhaustedProblem) }
        return (analysis.value(unparsed: !problems.isEmpty), problems.map { "shell: \($0)" })
    }

    static let absent: Value = ShellAnalysis(invocations: []).value(unparsed: false, present: false)
}

/// Accumulates shell facts over the invocations of one command line, in
/// the order they would run: the working directory and the data flow are
/// followed as they change.
struct ShellAnalysis {
    var commands: [Value] = []
    var recordsCommands = true
    var programs: [String] = []
    private var seenPrograms: Set<String> = []
    private var seenSecretPaths: Set<String> = []
    var recursiveDelete = false
    var dangerousDelete = false
    var dynamicDelete = false
    var deleteTargets: [String] = []
    var downloadExecute = false
    var systemWriteTargets: [String] = []
    var privilegeChange = false
    var forcePush = false
    var infraDestroy = false
    var secretPaths: [String] = []
    var dynamicCommand = false
    private var workingDirectory = ShellWorkingDirectory()
    private var dataFlow = ShellDataFlow()
    /// Pipelines of more than one stage: each stage runs in a subshell, so a `cd` there does not last.
    private let pipelinesWithStages: Set<Int>

    init(invocations: [ShellInvocation]) {
        pipelinesWithStages = Set(invocations.filter { $0.stage > 0 }.map(\.pipeline))
    }

    mutating func observe(_ inv: ShellInvocation) {
        for name in inv.wrappers + [inv.name] where seenPrograms.insert(name).inserted { programs.append(name) }
        if recordsCommands {
            commands.append(FactSchema.shellCommand.record(["name": .string(inv.name), "args": Value.strings(inv.args.map(\.text)), "viaSudo": .bool(inv.viaSudo)]))
        }
        if inv.nameWord.isDynamic || inv.nameWord.hasGlob { dynamicCommand = true }
        if ["awk", "gawk", "mawk", "nawk"].contains(inv.name), inv.args.contains(where: { $0.text.includes("system(") || $0.text.includes("getline") || $0.text.includes("| \"") }) {
            dynamicCommand = true   // awk's system() and pipes run commands built at run time
        }
        if !inv.nameWord.substitutions.isEmpty, inv.argumentsDownload { downloadExecute = true }

        if let targets = ShellCommandRules.recursiveDeleteTargets(inv) { observeDelete(inv, targets) }
        observeWrites(inv)
        if ShellCommandRules.changesPrivilege(inv) { privilegeChange = true }
        if ShellCommandRules.isForcePush(inv) { forcePush = true }
        if ShellCommandRules.destroysInfrastructure(inv) { infraDestroy = true }
        inv.forEachWord { word in
            // `cd ~ && cat .ssh/id_rsa` reads the ssh keys too.
            let located = workingDirectory.absolute(word, in: inv.scope) ?? word
            for candidate in [word, located] where ShellPaths.secretKind(candidate) != nil {
                if seenSecretPaths.insert(candidate.text).inserted { secretPaths.append(candidate.text) }
            }
        }
        observeExecution(inv)
        let directory = workingDirectory
        dataFlow.observe(inv) { path in (directory.absolute(path, in: inv.scope) ?? path).text }
        workingDirectory.observe(inv, inPipeline: pipelinesWithStages.contains(inv.pipeline))
    }

    /// A recursive delete, its targets read from the working directory: a
    /// relative target after `cd /` is a top-level directory, after `cd`
    /// to a place only known at run time it is itself only known then.
    private mutating func observeDelete(_ inv: ShellInvocation, _ targets: [ShellWord]) {
        recursiveDelete = true
        for target in targets {
            guard let located = workingDirectory.absolute(target, in: inv.scope) else {
                deleteTargets.append("<unknown directory>/" + target.text)
                // `..` and `.` are dangerous wherever the directory is.
                if ShellPaths.isDangerousDeleteTarget(target) { dangerousDelete = true } else { dynamicDelete = true }
                continue
            }
            deleteTargets.append(located.text)
            if inv.selectedByFind {
                // `find ROOT -name ... -delete` searches ROOT rather than wiping it: fine inside
                // the workspace, for a human to decide under /, ~ or a system path.
                let inWorkspace = !located.text.hasPrefix("/") && !located.text.hasPrefix("~") && !located.text.split(separator: "/").contains("..")
                if !inWorkspace && ShellPaths.isDangerousDeleteTarget(located) || located.isDynamic { dynamicDelete = true }
            } else if ShellPaths.isDangerousDeleteTarget(located) || ShellPaths.isDangerousDeleteTarget(target) {
                dangerousDelete = true
            } else if located.isDynamic {
                dynamicDelete = true
            }
        }
    }

    private mutating func observeWrites(_ inv: ShellInvocation) {
        var targets = ShellCommandRules.writtenPaths(inv)
        targets += inv.redirections.filter(\.writesFile).map(\.target)
        for written in targets {
            let target = workingDirectory.absolute(written, in: inv.scope) ?? written
            guard ShellPaths.isSystemPath(target.text) || (target.hasGlob && ShellPaths.isDangerousDeleteTarget(target)) else { continue }
            systemWriteTargets.append(target.text)
            if target.text.hasPrefix("/etc/sudoers") || ["/etc/passwd", "/etc/shadow", "/etc/group"].contains(target.text) { privilegeChange = true }
        }
        if ShellCommandRules.isDiskTool(inv) {
            systemWriteTargets += ShellCommandRules.operands(inv.args).map(\.text)
            if systemWriteTargets.isEmpty { systemWriteTargets.append(inv.name) }
        }
    }

    /// Code the call runs that came from the network is download-and-execute;
    /// code from a file it wrote itself, from another pipe, or in a language
    /// this extractor does not read, is a dynamic command.
    private mutating func observeExecution(_ inv: ShellInvocation) {
        func ran(_ path: ShellWord) {
            let located = workingDirectory.absolute(path, in: inv.scope) ?? path
            switch dataFlow.origin(of: located.text) {
            case .downloaded?: downloadExecute = true
            case .written?: dynamicCommand = true
            case nil: break
            }
        }
        ran(inv.nameWord)
        let name = inv.name
        guard ShellInterpreters.isInterpreter(name) || name == "eval" else { return }
        let isShell = ShellInterpreters.isShell(name)
        if inv.argumentsDownload || inv.stdinDownload { downloadExecute = true }
        let inline = ShellInterpreters.hasInlineCode(name, inv.args)
        let operands = ShellCommandRules.operands(inv.args).filter { $0 != ShellCommandResolver.xargsInput }
        operands.forEach(ran)
        if inline && !isShell && name != "eval" {
            // `python -c`, `perl -e`, `node -e`: code in another language, opaque to this extractor.
            dynamicCommand = true
        }
        var fedByRedirection = false
        for redirection in inv.redirections where redirection.op.hasPrefix("<") && !redirection.op.hasPrefix("<&") {
            fedByRedirection = true
            if redirection.op == "<" { ran(redirection.target) } else if !isShell {
                // A here-document or here-string of code in another language.
                dynamicCommand = true
            }
        }
        // Under xargs, the code is what the pipe supplies: `curl ... | xargs bash -c`.
        let codeFromArguments = inv.argumentsFromStdin && (operands.isEmpty || (inline && inv.args.count >= 2 && inv.args[inv.args.count - 2].text.hasPrefix("-")))
        let readsScriptFromStdin = !inline && !inv.args.contains(where: { $0.text == "-m" })
            && (operands.isEmpty || (isShell && inv.args.contains { $0.text == "-s" }) || operands.contains { ["-", "/dev/stdin"].contains($0.text) || $0.text.hasPrefix("/dev/fd/") })
        guard codeFromArguments || (readsScriptFromStdin && !fedByRedirection) else { return }
        if dataFlow.stdinDownloaded(inv) {
            downloadExecute = true
        } else if inv.stdinSource != nil {
            dynamicCommand = true
        }
    }

    func value(unparsed: Bool, present: Bool = true) -> Value {
        FactSchema.shell.record([
            "present": .bool(present),
            "commands": .list(commands),
            "programs": Value.strings(programs),
            "recursiveDelete": .bool(recursiveDelete),
            "dangerousDelete": .bool(dangerousDelete),
            "dynamicDelete": .bool(dynamicDelete),
            "deleteTargets": Value.strings(deleteTargets),
            "downloadExecute": .bool(downloadExecute),
            "systemWrite": .bool(!systemWriteTargets.isEmpty),
            "systemWriteTargets": Value.strings(systemWriteTargets),
            "privilegeChange": .bool(privilegeChange),
            "forcePush": .bool(forcePush),
            "infraDestroy": .bool(infraDestroy),
            "secretRead": .bool(!secretPaths.isEmpty),
            "secretPaths": Value.strings(secretPaths),
            "dynamicCommand": .bool(dynamicCommand),
            "unparsed": .bool(unparsed),
        ])
    }
}
