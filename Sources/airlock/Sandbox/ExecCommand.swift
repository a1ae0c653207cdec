import AirlockCore
import ArgumentParser
import Foundation
import Sandbox

/// `airlock exec`: one command, confined, no daemon — like bwrap or nsjail,
/// with a profile, limits and a full report of what was enforced.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one command confined by a sandbox profile.",
        discussion: """
        Exit status: the command's own, or 128+N when a signal killed it.
        Airlock's own outcomes use codes a command rarely does:
          \(ExitCodes.limitKilled)  a limit (wall clock, CPU time, memory) killed the command
          \(ExitCodes.setupFailed)  the sandbox could not be set up, or the host lacks a required protection
          \(ExitCodes.notExecutable)  the command exists but cannot be executed
          \(ExitCodes.notFound)  the command was not found inside the sandbox
          \(ExitCodes.invalidInput)   invalid flags, profile or bind (nothing was started)
        """)

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

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("missing command: airlock exec [options] -- CMD [ARGS...]") }
        if let timeout, (Units.seconds(timeout) ?? 0) <= 0 {
            throw ValidationError("--timeout \(timeout) is not a positive duration (e.g. 10, 1.5s, 200ms)")
        }
        if let memory, (Units.bytes(memory) ?? 0) == 0 {
            throw ValidationError("--memory \(memory) is not a size (e.g. 256M, 1G)")
        }
        for pair in environment where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--env \(pair) is not K=V")
        }
    }

    func run() throws {
        let outcome: Int32
        do {
            // Reads only this profile and its parents, not the whole catalog.
            let resolved = try ProfileCatalog.resolveOnly(nameOrFile: profile, directory: ShippedProfiles.directory())
            let request = try makeRequest(profile: resolved)
            let result = try SandboxEngine(options: .init(prewarm: false)).runBlocking(request, profile: resolved)
            outcome = report(result)
        } catch let error as AirlockError {
            outcome = fail(error)
        } catch let error as ProfileValidationError {
            outcome = fail(error.airlockError)
        }
        throw ExitCode(outcome)
    }

    private func makeRequest(profile: SandboxProfile) throws -> LaunchRequest {
        var limits = profile.limits
        if let timeout, let seconds = Units.seconds(timeout) { limits.wallSeconds = seconds }
        if let memory, let bytes = Units.bytes(memory) { limits.memoryBytes = bytes }
        var env: [String: String] = [:]
        for pair in environment {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return LaunchRequest(argv: command, environment: env, workdir: workdir,
                             extraReadOnly: try readOnlyBinds.map(Self.bind), extraWritable: try writableBinds.map(Self.bind),
                             limits: limits)
    }

    static func bind(_ spec: String) throws -> BindMount {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard let source = parts.first, !source.isEmpty else { throw AirlockError(.invalidArguments, "empty bind specification") }
        let absolute = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
        let destination = parts.count > 1 ? parts[1] : absolute
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw AirlockError(.invalidArguments, "bind source \(source) does not exist")
        }
        return BindMount(source: absolute, destination: destination)
    }

    private func report(_ result: RunResult) -> Int32 {
        if json {
            print(JSONOutput.pretty(result))
        } else {
            FileHandle.standardOutput.write(Data(result.stdout.text.utf8))
            FileHandle.standardError.write(Data(result.stderr.text.utf8))
            for hit in result.limitsHit {
                Self.warn("limit hit: \(hit.kind.rawValue) (limit \(hit.limit)): \(hit.evidence)")
            }
            if let syscall = result.killedBySyscall { Self.warn("killed: forbidden syscall \(syscall)") }
        }
        if result.termination == .limitKilled { return ExitCodes.limitKilled }
        return result.shellStatus
    }

    private func fail(_ error: AirlockError) -> Int32 {
        Self.warn(error.message)
        switch error.code {
        case .commandNotFound: return error.message.hasPrefix("cannot execute") ? ExitCodes.notExecutable : ExitCodes.notFound
        case .invalidArguments, .invalidProfile, .unknownProfile, .invalidConfig: return ExitCodes.invalidInput
        default: return ExitCodes.setupFailed
        }
    }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data("airlock: \(line)\n".utf8))
    }
}

/// Exit codes of `airlock exec` beyond the command's own.
enum ExitCodes {
    static let invalidInput: Int32 = 64
    static let limitKilled: Int32 = 124
    static let setupFailed: Int32 = 125
    static let notExecutable: Int32 = 126
    static let notFound: Int32 = 127
}
