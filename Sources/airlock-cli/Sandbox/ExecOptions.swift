import ArgumentParser

/// The options of `airlock exec` as ArgumentParser declares them, shared by
/// the subcommand (for help and `airlock help exec`) and `Standalone`.
struct ExecOptions: ParsableArguments {
    @Option(name: .long, help: "Profile name (from Profiles/) or a profile file.")
    var profile: String = "strict"

    @Option(name: .customLong("ro-bind"), help: ArgumentHelp("Bind a host path read-only.", valueName: "SRC[:DST]"))
    var readOnlyBinds: [String] = []

    @Option(name: .customLong("bind"), help: ArgumentHelp("Bind a host path writable.", valueName: "SRC[:DST]"))
    var writableBinds: [String] = []

    @Option(name: .long, help: "Working directory inside the sandbox (default: the workspace).")
    var workdir: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("Set an environment variable inside.", valueName: "K=V"))
    var environment: [String] = []

    @Option(name: .long, help: "Wall-clock limit, e.g. 10, 1.5s, 200ms, 2m.")
    var timeout: String?

    @Option(name: .long, help: "Memory limit, e.g. 256M, 1G.")
    var memory: String?

    @Flag(name: .long, help: "Print the full run result as JSON instead of the command's output.")
    var json = false

    @Argument(parsing: .postTerminator, help: "The command and its arguments (after --).")
    var command: [String] = []

    var arguments: ExecArguments {
        ExecArguments(profile: profile, readOnlyBinds: readOnlyBinds, writableBinds: writableBinds, workdir: workdir,
                      environment: environment, timeout: timeout, memory: memory, json: json, command: command)
    }

    func validate() throws {
        if let problem = arguments.problem { throw ValidationError(problem) }
    }
}
