import AirlockCore
import Foundation
import Sandbox

/// What `airlock exec` does once its flags are parsed: resolve the profile,
/// launch, and print the command's output or the full result. Returns the
/// process exit status (see `ExitCodes`).
struct ExecRun {
    let arguments: ExecArguments

    func run() -> Int32 {
        do {
            // The engine (host probes, cgroups, a network namespace made
            // ahead) comes up on another thread while this one reads the
            // profile: the two are the largest costs of a one-shot start.
            let engine = BackgroundValue { SandboxEngine(options: .init(prewarm: false, networkNamespaceAhead: true)) }
            // The files the plan will be read from are fingerprinted before
            // they are read (see `LaunchImageTarget`): `imageTarget` searches
            // for the profile folder once to know what to fingerprint, and the
            // search below is the one the plan uses, so a folder that appears
            // in between is seen as a change, not recorded as the old state.
            let target = imageTarget()
            let profiles = try ShippedProfiles.directoryAndSearch()
            // Reads only this profile and its parents, not the whole catalog.
            let resolved = try ProfileCatalog.resolveOnly(nameOrFile: arguments.profile, directory: profiles.directory)
            let request = try makeRequest(profile: resolved)
            let binds = resolved.filesystem.readOnly + resolved.filesystem.writable + request.extraReadOnly + request.extraWritable
            let run = try engine.value.runKeepingOutput(request, profile: resolved, saveImage: target?.addingBinds(binds.map(\.source)))
            return report(run.result, output: run.output)
        } catch let error as AirlockError {
            return fail(error)
        } catch let error as ProfileValidationError {
            return fail(error.airlockError)
        } catch {
            return fail(AirlockError(.setupFailed, "\(error)"))
        }
    }

    /// Where the front end will find this launch next time (see
    /// `LaunchImageTarget`), or nil when it can't serve it: `--json` (the
    /// full result is this CLI's), `--env` (its values would be saved), a
    /// profile given as a file (its parents may be any file beside it), or
    /// a command line this parse did not split where the front end will
    /// ("exec", options, the first "--").
    private func imageTarget() -> LaunchImageTarget? {
        let raw = CommandLine.arguments
        guard !arguments.json, arguments.environment.isEmpty, !ProfileCatalog.isFileReference(arguments.profile), raw.count > 2,
              raw[1] == "exec", let dash = raw[2...].firstIndex(of: "--"), Array(raw[(dash + 1)...]) == arguments.command,
              !arguments.command.isEmpty, let search = try? ShippedProfiles.directoryAndSearch()
        else { return nil }
        // The named profile and its parents are files of the folder: any
        // file added, removed or changed in it is a miss.
        let folder = search.directory
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return LaunchImageTarget.forExec(options: Array(raw[1...dash]), read: search.searched + [folder] + entries.map { folder + "/" + $0 })
    }

    private func makeRequest(profile: SandboxProfile) throws -> LaunchRequest {
        var limits = profile.limits
        if let timeout = arguments.timeout, let seconds = Units.seconds(timeout) { limits.wallSeconds = seconds }
        if let memory = arguments.memory, let bytes = Units.bytes(memory) { limits.memoryBytes = bytes }
        var env: [String: String] = [:]
        for pair in arguments.environment {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return LaunchRequest(argv: arguments.command, environment: env, workdir: arguments.workdir,
                             extraReadOnly: try arguments.readOnlyBinds.map { try Self.bind($0) },
                             extraWritable: try arguments.writableBinds.map { try Self.bind($0) },
                             limits: limits)
    }

    /// `SRC[:DST]` as a mount. The source is normalized first (`./w`,
    /// `/tmp/w/`, `w/../v`): without a DST it is also the inside path, which
    /// the planner takes only in normal form.
    static func bind(_ spec: String, relativeTo directory: String = FileManager.default.currentDirectoryPath) throws -> BindMount {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let source = parts.first, !source.isEmpty else { throw AirlockError(.invalidArguments, "empty bind specification") }
        if parts.count > 1 && parts[1].isEmpty {
            throw AirlockError(.invalidArguments, "bind \(spec) names no destination after ':' (give SRC or SRC:DST)")
        }
        let absolute = SandboxPaths.normalized(source, relativeTo: directory)
        let destination = parts.count > 1 ? parts[1] : absolute
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw AirlockError(.invalidArguments, "bind source \(source) does not exist")
        }
        return BindMount(source: absolute, destination: destination)
    }

    private func report(_ result: RunResult, output: SandboxEngine.RawOutput) -> Int32 {
        if arguments.json {
            print(JSONOutput.pretty(result))
        } else {
            // The bytes as the command wrote them, as the front end prints them.
            FileHandle.standardOutput.write(output.stdout)
            FileHandle.standardError.write(output.stderr)
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
