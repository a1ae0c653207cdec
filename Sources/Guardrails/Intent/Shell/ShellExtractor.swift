/// The shell intent extractor: a command line in, `shell` facts out (and
/// the network destinations it names, for the network facts).
enum ShellExtractor {
    /// `withCommands: false` leaves `shell.commands` empty, for policies that never read it.
    static func facts(_ text: String, network: inout NetworkObservations, withCommands: Bool = true) -> (facts: Value, problems: [String]) {
        let resolver = ShellCommandResolver.resolve(ShellParser.parse(text))
        var analysis = ShellAnalysis()
        analysis.recordsCommands = withCommands
        for (index, invocation) in resolver.invocations.enumerated() {
            analysis.observe(invocation, index: index, all: resolver.invocations)
            ShellNetworkUsage.observe(invocation, into: &network)
        }
        let problems = resolver.problems
        return (analysis.value(unparsed: !problems.isEmpty), problems.map { "shell: \($0)" })
    }

    static let absent: Value = ShellAnalysis().value(unparsed: false, present: false)
}

/// Accumulates shell facts over the invocations of one command line.
struct ShellAnalysis {
    var commands: [Value] = []
    var recordsCommands = true
    var programs: [String] = []
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

    mutating func observe(_ inv: ShellInvocation, index: Int, all: [ShellInvocation]) {
        for wrapper in inv.wrappers where !programs.contains(wrapper) { programs.append(wrapper) }
        if !programs.contains(inv.name) { programs.append(inv.name) }
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
            if ShellPaths.secretKind(word) != nil, !secretPaths.contains(word.text) { secretPaths.append(word.text) }
        }
        observeDownloads(inv)
        observeExecution(inv, all: all)
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
    private mutating func observeExecution(_ inv: ShellInvocation, all: [ShellInvocation]) {
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
        let upstream = all.filter { $0.pipeline == inv.pipeline && $0.stage < inv.stage }
        if upstream.contains(where: { ShellCommandResolver.downloaders.contains($0.name) || ["nc", "ncat", "netcat", "socat"].contains($0.name) }) {
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
