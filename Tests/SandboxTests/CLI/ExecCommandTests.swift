import AirlockCore
import Foundation
import HostCommandSupport
import Testing

/// `airlock exec` end to end: the real binary, the shipped profiles, the
/// real kernel. Bad input gets one clear line on stderr and a distinct
/// exit code, and nothing is started.
@Suite struct ExecCommandTests {
    @Test func passesTheCommandsOutputAndExitCodeThrough() throws {
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 7"])
        #expect(out.status == 7)
        #expect(out.stdout == "out\n")
        #expect(out.stderr == "err\n")
    }

    /// The command is the sandbox's pid 1, which ignores signals it sent
    /// itself; a fault the kernel raises still ends it.
    @Test func aSignalBecomes128PlusN() throws {
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "shell", "--", "python3", "-c", "import ctypes; ctypes.string_at(0)"])
        #expect(out.status == 128 + SIGSEGV)
    }

    /// The child moves its descriptors above 64 before placing them; under
    /// a descriptor limit of 60 that fails, and the failure must read as a
    /// setup failure naming the step, not as a broken pipe (or a command
    /// that exited 126).
    @Test func aChildThatCannotArrangeItsDescriptorsReportsWhy() throws {
        let out = try HostCommand.run("/usr/bin/prlimit", ["--nofile=60:60", BuiltBinary.path("airlock"), "exec", "--profile", "shell",
                                                           "--", "true"], stdin: .null)
        #expect(out.status == 125)
        #expect(out.stderrText.contains("setting up the command's file descriptors: Invalid argument"), "\(out.stderrText)")
    }

    @Test func aMissingCommandIs127WithAClearMessage() throws {
        let out = try BuiltBinary.run("airlock", ["exec", "--", "no-such-command-xyz"])
        #expect(out.status == 127)
        #expect(out.stderr.contains("command not found in the sandbox: no-such-command-xyz"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        (["exec", "--profile", "no-such-profile", "--", "true"], "no profile named no-such-profile"),
        (["exec", "--ro-bind", "/no/such/path", "--", "true"], "bind source /no/such/path does not exist"),
        (["exec", "--bind", "/tmp:/a", "--ro-bind", "/usr:/a", "--", "true"], "two mounts target /a"),
        (["exec", "--timeout=-3", "--", "true"], "--timeout -3 is not a positive duration"),
        (["exec", "--memory", "12QB", "--", "true"], "--memory 12QB is not a size"),
        (["exec", "--timeout", "nan", "--", "true"], "--timeout nan is not a positive duration"),
        (["exec", "--timeout", "inf", "--", "true"], "--timeout inf is not a positive duration"),
        (["exec", "--timeout", "20000000000", "--", "true"], "--timeout 20000000000: must be between 1ms and 168h"),
        (["exec", "--memory", "1", "--", "true"], "--memory 1: must be between 1M and 1T"),
        (["exec", "--env", "NOEQUALS", "--", "true"], "--env NOEQUALS is not K=V"),
        (["exec", "--env", "1A=x", "--", "true"], "--env 1A=x: 1A is not an environment variable name"),
        (["exec", "--env=A-B=x", "--", "true"], "--env A-B=x: A-B is not an environment variable name"),
        (["exec", "--workdir", "relative", "--", "true"], "--workdir relative is not an absolute path"),
        // ArgumentParser alone would run the last of each under shell.
        (["exec", "--profile", "strict", "--profile", "shell", "--", "true"], "--profile may be given only once"),
        (["exec", "--timeout", "5", "--timeout=6", "--", "true"], "--timeout may be given only once"),
        (["exec", "--workdir", "/", "--workdir", "/tmp", "--", "true"], "--workdir may be given only once"),
        (["exec", "--memory", "1G", "--memory", "2G", "--", "true"], "--memory may be given only once"),
        (["exec", "--json", "--json", "--", "true"], "--json may be given only once"),
        (["exec", "--profile", "/tmp", "--", "true"], "/tmp is a directory, not a profile file"),
        (["exec", "--no-such-flag", "--", "true"], "Unknown option '--no-such-flag'"),
        (["exec"], "missing command"),
    ])
    func badInputIsRefusedBeforeAnythingStarts(arguments: [String], message: String) throws {
        // The command would leave a trace in a host folder, bound writable,
        // if it ever ran.
        let traceDir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-badinput-\(UUID().uuidString)")
        // Writable by the sandbox's host identity (nobody, when tests run as root).
        try FileManager.default.createDirectory(at: traceDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(at: traceDir) }
        // Under shell, which runs the trace command, unless the case names its own.
        let profile = arguments.contains { $0.hasPrefix("--profile") } ? [] : ["--profile", "shell"]
        var argv = ["exec"] + profile + ["--bind", "\(traceDir.path):/trace"] + arguments.dropFirst()
        if argv.last == "true" { argv = argv.dropLast() + ["sh", "-c", "touch /trace/ran"] }
        let out = try BuiltBinary.run("airlock", argv)
        #expect(out.status == 64, "exit \(out.status): \(out.stderr)")
        expectOneLineError(out, containing: message)
        #expect(!FileManager.default.fileExists(atPath: traceDir.appendingPathComponent("ran").path))
    }

    /// Bad input gets exactly one line, on stderr, that starts with the
    /// program's name: no usage block, no help screen, nothing on stdout.
    private func expectOneLineError(_ out: BuiltBinary.Output, containing message: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = out.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "stderr: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.hasPrefix("airlock: "), "stderr: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stderr.contains(message), "stderr: \(out.stderr)", sourceLocation: sourceLocation)
        #expect(out.stdout.isEmpty, "stdout: \(out.stdout)", sourceLocation: sourceLocation)
    }

    @Test func theTraceDirectoryTechniqueSeesARealRun() throws {
        let traceDir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-badinput-\(UUID().uuidString)")
        // Writable by the sandbox's host identity (nobody, when tests run as root).
        try FileManager.default.createDirectory(at: traceDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(at: traceDir) }
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "shell", "--bind", "\(traceDir.path):/trace", "--", "sh", "-c", "touch /trace/ran"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(FileManager.default.fileExists(atPath: traceDir.appendingPathComponent("ran").path))
    }

    @Test func anInvalidProfileFileNamesFileLineAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("broken.yaml")
        try "extends: shell\nlimits:\n  memory: lots\n".write(to: file, atomically: true, encoding: .utf8)
        let traceDir = dir.appendingPathComponent("trace")
        try FileManager.default.createDirectory(at: traceDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", file.path, "--bind", "\(traceDir.path):/trace",
                                                  "--", "sh", "-c", "touch /trace/ran"])
        #expect(out.status == 64)
        expectOneLineError(out, containing: "broken.yaml:3")
        #expect(out.stderr.contains("limits.memory"), "stderr: \(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: traceDir.appendingPathComponent("ran").path))
    }

    /// The sleep (its length unique to this test) must be gone from the
    /// host once `airlock exec` has returned, not merely given up on.
    @Test func aWallClockLimitIs124AndNamed() throws {
        let seconds = Token.sleepSeconds(whole: 30)
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "shell", "--timeout", "500ms", "--", "sleep", seconds])
        #expect(out.status == 124)
        #expect(out.stderr.contains("limit hit: wall_clock"))
        let survivors = HostProcesses.survivors(seconds)
        #expect(survivors.isEmpty, "sleep \(seconds) outlived airlock exec: \(survivors.map(\.pid))")
    }

    @Test func jsonReportsTheManifest() throws {
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "strict", "--json", "--", "/bin/true"])
        #expect(out.status == 0)
        let result = try JSONDecoder().decode(RunResult.self, from: Data(out.stdout.utf8))
        #expect(result.exitCode == 0)
        #expect(result.manifest.profile == "strict")
        #expect(Set(result.manifest.namespaces) == ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup"])
        #expect(result.manifest.noNewPrivs)
        #expect(result.manifest.uidOutside != 0)
        #expect(!result.manifest.seccompFilterDigest.isEmpty)
        #expect(result.recordedSyscalls.contains { $0.name == "execve" && $0.path == "/bin/true" })
    }

    /// The bound directory is the sandbox user's own on the host, mode
    /// 0777 with a 0666 file, so only the read-only bind (EROFS), not
    /// ordinary permissions, refuses the write.
    @Test func bindsAndWorkdirAndEnvironment() throws {
        let dir = try HostTemp("exec")
        defer { dir.remove() }
        try dir.write("in.txt", "data\n", mode: 0o666)
        try dir.makeWritableBySandbox()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.path)
        let out = try BuiltBinary.run("airlock", ["exec", "--profile", "shell", "--ro-bind", "\(dir.path):/src", "--workdir", "/src",
                                                  "--env", "GREETING=hi", "--", "sh", "-c", "cat in.txt; echo $GREETING; pwd; echo x > in.txt"])
        #expect(out.stdout == "data\nhi\n/src\n")
        #expect(out.status != 0, "a read-only bind must refuse the write")
        #expect(out.stderr.contains("Read-only file system"), "stderr: \(out.stderr)")
        #expect(dir.read("in.txt") == "data\n")
    }

    /// A bind without a destination appears inside at its host path, in
    /// normal form however it was typed.
    @Test(arguments: ["./w", "w/", "w/../w//", "{dir}/w/", "{dir}/./w"])
    func aBindSourceIsNormalizedIntoItsDestination(spelling: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-exec-\(UUID().uuidString)")
        let work = dir.appendingPathComponent("w")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = spelling.replacingOccurrences(of: "{dir}", with: dir.path)
        let out = try HostCommand.run(BuiltBinary.path("airlock"),
                                      ["exec", "--profile", "shell", "--bind", source, "--", "sh", "-c", "touch \(work.path)/ran"],
                                      workingDirectory: dir.path)
        #expect(out.status == 0, "exit \(out.status): \(out.stderrText)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("ran").path))
    }

    /// The hint names the file as it was given: `airlock profile lint` looks
    /// a bare name up among the shipped profiles.
    @Test func anInvalidProfileFilesLintHintNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "extends: shell\nnetwork: 7\nlimits:\n  memory: lots\n".write(to: dir.appendingPathComponent("wrongtypes.yaml"),
                                                                          atomically: true, encoding: .utf8)
        let exec = try HostCommand.run(BuiltBinary.path("airlock"), ["exec", "--profile", "./wrongtypes.yaml", "--", "true"],
                                       workingDirectory: dir.path)
        #expect(exec.status == 64)
        #expect(exec.stderrText.contains("(and 1 more; run `airlock profile lint ./wrongtypes.yaml`)"), "\(exec.stderrText)")

        let lint = try HostCommand.run(BuiltBinary.path("airlock"), ["profile", "lint", "./wrongtypes.yaml"], workingDirectory: dir.path)
        #expect(lint.status == 1)
        #expect(lint.stdoutText.contains("wrongtypes.yaml:2: network"), "\(lint.stdoutText)")
        #expect(lint.stdoutText.contains("wrongtypes.yaml:4: limits.memory"), "\(lint.stdoutText)")
    }

    @Test func aDirectoryIsNotAProfileFileForLintEither() throws {
        let out = try BuiltBinary.run("airlock", ["profile", "lint", "/tmp"])
        #expect(out.status == 1)
        #expect(out.stdout == "/tmp: /tmp is a directory, not a profile file\n")
    }
}
