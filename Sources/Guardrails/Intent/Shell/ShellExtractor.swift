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
        var problems = resolver.problems
        if budget.isExhausted, !problems.contains(WorkBudget.exhaustedProblem) { problems.append(WorkBudget.exhaustedProblem) }
        return (analysis.value(unparsed: !problems.isEmpty), problems.map { "shell: \($0)" })
    }

    static let absent: Value = ShellAnalysis(invocations: []).value(unparsed: false, present: false)
}

/// Accumulates shell facts over the invocations of one command line.
struct ShellAnalysis {
    var commands: [Value] = []
    var recordsCommands = true
    var programs: [String] = []
    private var seenPrograms: Set<String> = []
    private var seenSecretPaths: Set<String> = []
    /// For each pipeline, the earliest stage that runs a downloader or a
    /// socket client, so "is a download upstream of this stage" is one lookup.
    private let firstNetworkStage: [Int: Int]
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
    /// Files written by a downloader (`curl -o x.sh`), so running them later counts as download-and-execute.
    var downloadedFiles: Set<String> = []

    init(invocations: [ShellInvocation]) {
        var first: [Int: Int] = [:]
        for inv in invocations where ShellCommandResolver.downloaders.contains(inv.name) || Self.socketClients.contains(inv.name) {
            first[inv.pipeline] = min(first[inv.pipeline] ?? Int.max, inv.stage)
        }
        firstNetworkStage = first
    }

    private static let socketClients: Set<String> = ["nc", "ncat", "netcat", "socat"]

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

        if let targets = ShellCommandRules.recursiveDeleteTargets(inv) {
            recursiveDelete = true
            for target in targets {
                deleteTargets.append(target.text)
                if ShellPaths.isDangerousDeleteTarget(target) { dangerousDelete = true } else if target.isDynamic { dynamicDelete = true }
            }
        }
        observeWrites(inv)
        if ShellCommandRules.changesPrivilege(inv) { privilegeChange = true }
        if ShellCommandRules.isForcePush(inv) { forcePush = true }
        if ShellCommandRules.destroysInfrastructure(inv) { infraDestroy = true }
        inv.forEachWord { word in
            if ShellPaths.secretKind(word) != nil, seenSecretPaths.insert(word.text).inserted { secretPaths.append(word.text) }
        }
        observeDownloads(inv)
        observeExecution(inv)
    }

    private mutating func observeWrites(_ inv: ShellInvocation) {
        var targets = ShellCommandRules.writtenPaths(inv)
        targets += inv.redirections.filter(\.writesFile).map(\.target)
        for target in targets where ShellPaths.isSystemPath(target.text) || (target.hasGlob && ShellPaths.isDangerousDeleteTarget(target)) {
            systemWriteTargets.append(target.text)
            if target.text.hasPrefix("/etc/sudoers") || ["/etc/passwd", "/etc/shadow", "/etc/group"].contains(target.text) { privilegeChange = true }
        }
        if ShellCommandRules.isDiskTool(inv) {
            systemWriteTargets += ShellCommandRules.operands(inv.args).map(\.text)
            if systemWriteTargets.isEmpty { systemWriteTargets.append(inv.name) }
        }
    }

    private mutating func observeDownloads(_ inv: ShellInvocation) {
        guard ShellCommandResolver.downloaders.contains(inv.name) else { return }
        for (k, arg) in inv.args.enumerated() where k + 1 < inv.args.count {
            if ["-o", "--output", "-O", "--output-document"].contains(arg.text), inv.args[k + 1].text != "-" {
                downloadedFiles.insert(ShellPaths.normalize(inv.args[k + 1].text))
            }
        }
        if inv.args.contains(where: { $0.text == "-O" || $0.text == "--remote-name" }) || (inv.name == "wget" && !inv.args.contains { $0.text == "-O" || $0.text == "-qO-" || $0.text == "-O-" }) {
            // The file is named after the URL's last path component.
            for arg in inv.args where arg.text.includes("://") {
                if let last = arg.text.split(separator: "/").last { downloadedFiles.insert(String(last)) }
            }
        }
        for redirection in inv.redirections where redirection.writesFile { downloadedFiles.insert(ShellPaths.normalize(redirection.target.text)) }
    }

    private func isDownloaded(_ path: String) -> Bool {
        if downloadedFiles.isEmpty { return false }
        let normalized = ShellPaths.normalize(path)
        let bare = normalized.hasPrefix("./") ? String(normalized.dropFirst(2)) : normalized
        return downloadedFiles.contains(normalized) || downloadedFiles.contains(bare) || downloadedFiles.contains("./" + bare)
    }

    /// Interpreters fed from a download (pipe, process substitution, file
    /// downloaded earlier) are download-and-execute; fed from any other
    /// pipe, the code that runs is unknown to policy (a dynamic command).
    private mutating func observeExecution(_ inv: ShellInvocation) {
        if isDownloaded(inv.nameWord.text) { downloadExecute = true }
        guard ShellCommandResolver.interpreters.contains(inv.name) || inv.name == "eval" else { return }
        if inv.argumentsDownload { downloadExecute = true }
        let operands = ShellCommandRules.operands(inv.args)
        if operands.contains(where: { isDownloaded($0.text) }) { downloadExecute = true }
        if hasInlineCode(inv) && !ShellCommandResolver.shells.contains(inv.name) && inv.name != "eval" {
            // `python -c`, `perl -e`, `node -e`: code in another language, opaque to this extractor.
            dynamicCommand = true
        }
        if inv.redirections.contains(where: { $0.op == "<" && isDownloaded($0.target.text) }) { downloadExecute = true }
        let readsStdin = !hasInlineCode(inv) && !inv.args.contains(where: { $0.text == "-m" }) && (operands.isEmpty || (ShellCommandResolver.shells.contains(inv.name) && inv.args.contains { $0.text == "-s" }) || operands.contains { ["-", "/dev/stdin"].contains($0.text) || $0.text.hasPrefix("/dev/fd/") })
        guard readsStdin, inv.stage > 0, !inv.redirections.contains(where: { $0.op.hasPrefix("<") }) else { return }
        if let first = firstNetworkStage[inv.pipeline], first < inv.stage {
            downloadExecute = true
        } else {
            dynamicCommand = true
        }
    }

    /// `sh -c`, `python -c`, `perl -e`, `node -e`...: the code is an argument, not a file or stdin.
    private func hasInlineCode(_ inv: ShellInvocation) -> Bool {
        inv.args.contains { arg in
            let t = arg.text
            if ShellCommandResolver.shells.contains(inv.name) { return t.hasPrefix("-") && !t.hasPrefix("--") && t.contains("c") }
            return (Self.inlineCodeOptions[inv.name] ?? Self.inlineCodeOptions["python"]!).contains(t)
        }
    }

    private static let inlineCodeOptions: [String: Set<String>] = [
        "python": ["-c"], "python2": ["-c"], "python3": ["-c"], "perl": ["-e", "-E"], "ruby": ["-e"], "lua": ["-e"], "php": ["-r"],
        "node": ["-e", "-p", "--eval", "--print"], "nodejs": ["-e", "-p", "--eval", "--print"], "deno": ["eval"], "bun": ["-e", "--eval"],
        "pwsh": ["-c", "-Command", "-EncodedCommand"], "powershell": ["-c", "-Command", "-EncodedCommand"], "osascript": ["-e"], "tclsh": [],
    ]

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
