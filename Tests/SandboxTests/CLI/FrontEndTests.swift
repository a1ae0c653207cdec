import AirlockCore
import CLaunchImage
import Foundation
import HostCommandSupport
import Sandbox
import Testing

/// `airlock`, the C front end: the first `airlock exec` with a set of
/// options is planned by the Swift CLI, which saves a launch image; the
/// next ones run from it. Each test compares a run from an image with the
/// CLI's own run of the same command, and attacks from inside a run that
/// the front end started, checking the effect from outside.
@Suite(.serialized) struct FrontEndTests {
    /// A fresh image folder per test, and the trace on, so that each run
    /// says whether the front end served it.
    private let images: URL
    private let environment: [String: String]

    init() throws {
        // Images are sealed with a secret in the user's kernel keyring:
        // without one the front end never runs from an image.
        var secret = [UInt8](repeating: 0, count: 16)
        try HostRequirement.require(claunch_mac_secret(1, &secret) == 0, "the kernel keyring (keyctl) that holds launch images' secret")
        images = URL(fileURLWithPath: try HostTemp("front-end").file("images"))
        var environment = ProcessInfo.processInfo.environment
        environment["AIRLOCK_LAUNCH_CACHE"] = images.path
        environment["AIRLOCK_TRACE"] = "1"
        self.environment = environment
    }

    struct Run: Equatable {
        var status: Int32
        var stdout: String
        /// stdout byte for byte.
        var stdoutBytes: Data
        /// Without the trace lines.
        var stderr: String
        var fromImage: Bool
        var trace: [String]
    }

    /// Off the concurrency pool: these tests wait on host processes.
    private func exec(_ arguments: [String], environment override: [String: String] = [:]) async throws -> Run {
        let environment = environment.merging(override) { _, new in new }
        let out = try await offThePool { try HostCommand.run(BuiltBinary.path("airlock"), ["exec"] + arguments, environment: environment, stdin: .null) }
        let lines = out.stderrText.split(separator: "\n", omittingEmptySubsequences: false)
        let trace = lines.filter { $0.hasPrefix("airlock-trace: ") }.map(String.init)
        return Run(status: out.status, stdout: out.stdoutText, stdoutBytes: out.stdout,
                   stderr: lines.filter { !$0.hasPrefix("airlock-trace: ") }.joined(separator: "\n"),
                   fromImage: trace.contains { $0.contains("front end: running from launch image") }, trace: trace)
    }

    /// The CLI alone (no image folder), then the same command twice with
    /// one: the second run comes from the image and must read the same.
    private func compare(_ arguments: [String], sameStderr: Bool = true, environment extra: [String: String] = [:]) async throws
        -> (cli: Run, image: Run) {
        let cli = try await exec(arguments, environment: extra.merging(["AIRLOCK_LAUNCH_CACHE": "off"]) { _, new in new })
        #expect(!cli.fromImage)
        // A folder of its own: an earlier comparison may have saved these options.
        let own = extra.merging(["AIRLOCK_LAUNCH_CACHE": images.appendingPathComponent(UUID().uuidString).path]) { _, new in new }
        let first = try await exec(arguments, environment: own)
        #expect(!first.fromImage, "the first run has no image to start from")
        let second = try await exec(arguments, environment: own)
        #expect(second.fromImage, "the second run should start from the image the first saved")
        #expect(second.status == cli.status)
        #expect(second.stdoutBytes == cli.stdoutBytes)
        if sameStderr { #expect(second.stderr == cli.stderr) }
        return (cli, second)
    }

    @Test func aRunFromAnImageReportsExactlyWhatTheCLIReports() async throws {
        let runs = try await compare(["--profile", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 7"])
        #expect(runs.image.status == 7)
        #expect(runs.image.stdout == "out\n")
        #expect(runs.image.stderr == "err\n")
    }

    @Test func onlyTheOptionsAreTheKeyTheCommandIsEachRunsOwn() async throws {
        _ = try await exec(["--profile", "strict", "--", "/bin/true"])
        let other = try await exec(["--profile", "strict", "--", "echo", "another command"])
        #expect(other.fromImage)
        #expect(other.stdout == "another command\n")
        #expect(other.status == 0)
    }

    @Test func binaryOutputPassesThroughByteForByte() async throws {
        let runs = try await compare(["--profile", "shell", "--", "printf", "\\377\\000\\376"])
        #expect(runs.image.stdoutBytes == Data([0xff, 0x00, 0xfe]))
        #expect(runs.cli.stdoutBytes == Data([0xff, 0x00, 0xfe]))
    }

    @Test func aSignalAndATimeoutReadAsFromTheCLI() async throws {
        let signal = try await compare(["--profile", "shell", "--", "python3", "-c", "import ctypes; ctypes.string_at(0)"])
        #expect(signal.image.status == 128 + SIGSEGV)
        let timeout = try await compare(["--profile", "shell", "--timeout", "300ms", "--", "sleep", "5"])
        #expect(timeout.image.status == 124)
        #expect(timeout.image.stderr.contains("airlock: limit hit: wall_clock"), "\(timeout.image.stderr)")
    }

    @Test func outputAndProcessLimitsAreReportedFromAnImage() async throws {
        let flood = try await compare(["--profile", "shell", "--", "sh", "-c", "yes | head -c 30000000; echo done >&2"], sameStderr: false)
        #expect(flood.image.stderr.contains("airlock: limit hit: output_bytes"), "\(flood.image.stderr)")
        let forks = try await compare(["--profile", "shell", "--", "sh", "-c", "for i in $(seq 200); do sleep 2 & done; wait"],
                                sameStderr: false)
        #expect(forks.image.stderr.contains("airlock: limit hit: processes"), "\(forks.image.stderr)")
    }

    /// A shell's child killed by RLIMIT_FSIZE: only the process-events
    /// connector sees it (root only), and the front end follows the tree too.
    @Test func aDescendantKilledByAFileSizeLimitIsReportedFromAnImage() async throws {
        let profiles = try profileFolder(adding: ["small-files": "extends: shell\nlimits:\n  file_size: 1M\n"])
        defer { profiles.remove() }
        let runs = try await compare(["--profile", "small-files", "--", "sh", "-c", "head -c 2000000 /dev/zero > /workspace/big; echo status $?"],
                               environment: ["AIRLOCK_PROFILES_DIR": profiles.path])
        #expect(runs.image.stdout == "status \(128 + SIGXFSZ)\n")
        if getuid() == 0 {
            #expect(runs.image.stderr.contains("airlock: limit hit: file_size"), "\(runs.image.stderr)")
        }
    }

    /// Syscalls the profile denies reach the listener, which the front end
    /// answers from the image's verdict table: denied there as in the CLI.
    @Test func syscallsTheListenerDeniesAreDeniedFromAnImage() async throws {
        let runs = try await compare(["--profile", "shell", "--", "python3", "-c", """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            for name, args in [("unshare", (0x10000000,)), ("setns", (0, 0)), ("mount", (b"x", b"/tmp", b"tmpfs", 0, None))]:
                rc = getattr(libc, name)(*args)
                print(name, "allowed" if rc == 0 else "denied %d" % ctypes.get_errno())
            """])
        #expect(runs.image.stdout == "unshare denied 1\nsetns denied 1\nmount denied 1\n", "\(runs.image.stdout)")
    }

    /// A copy of the shipped profiles plus `extra` (name: YAML).
    private func profileFolder(adding extra: [String: String]) throws -> HostTemp {
        let folder = try HostTemp("front-end-profiles")
        let shipped = try ShippedProfiles.directory()
        for entry in try FileManager.default.contentsOfDirectory(atPath: shipped) where entry.hasSuffix(".yaml") {
            try FileManager.default.copyItem(atPath: shipped + "/" + entry, toPath: folder.file(entry))
        }
        for (name, yaml) in extra { try folder.write(name + ".yaml", yaml) }
        return folder
    }

    @Test func aMemoryBalloonFromAnImageIsKilledAndReported() async throws {
        let balloon = try await compare(["--profile", "shell", "--memory", "64M", "--", "python3", "-c", "b = bytearray(512 << 20); print(len(b))"],
                                  sameStderr: false)
        #expect(balloon.image.stdout.isEmpty)
        #expect(balloon.image.stderr.contains("airlock: limit hit: memory"), "\(balloon.image.stderr)")
    }

    @Test func aReadOnlyBindStaysReadOnlyInARunFromAnImage() async throws {
        // Writable by the sandbox's user: only the read-only bind stands in the way.
        let data = try HostTemp("front-end-ro")
        defer { data.remove() }
        try data.makeWritableBySandbox()
        let options = ["--profile", "shell", "--ro-bind", "\(data.path):/data", "--"]
        _ = try await exec(options + ["true"])
        let attack = try await exec(options + ["sh", "-c", "echo planted > /data/planted; ls /data"])
        #expect(attack.fromImage)
        #expect(!data.exists("planted"))
        #expect(attack.stderr.contains("Read-only file system") || attack.stderr.contains("Permission denied"), "\(attack.stderr)")
    }

    @Test func aRunFromAnImageCannotReachAHostListener() async throws {
        let listener = try HostListener(.tcp)
        let options = ["--profile", "shell", "--"]
        _ = try await exec(options + ["true"])
        let attack = try await exec(options + ["python3", "-c", """
            import socket
            try:
                s = socket.socket()
                s.settimeout(1)
                s.connect(("127.0.0.1", \(listener.address)))
                print("connected")
            except OSError as e:
                print("refused", e.errno)
            """])
        #expect(attack.fromImage)
        #expect(attack.stdout.hasPrefix("refused"), "\(attack.stdout)")
        #expect(!listener.sawAnything)
    }

    @Test func aChangedProfileIsAMissAndTheNewProfileRuns() async throws {
        let temp = try profileFolder(adding: [:])
        defer { temp.remove() }
        let profiles = URL(fileURLWithPath: temp.path)
        let file = profiles.appendingPathComponent("tagged.yaml")
        func write(_ tag: String) throws {
            try "extends: shell\nenvironment:\n  TAG: \(tag)\n".write(to: file, atomically: true, encoding: .utf8)
        }
        try write("first")
        let options = ["--profile", "tagged", "--", "sh", "-c", "echo $TAG"]
        let override = ["AIRLOCK_PROFILES_DIR": profiles.path]
        #expect(try await exec(options, environment: override).stdout == "first\n")
        let hit = try await exec(options, environment: override)
        #expect(hit.fromImage)
        #expect(hit.stdout == "first\n")
        try write("second")
        let changed = try await exec(options, environment: override)
        #expect(!changed.fromImage)
        #expect(changed.stdout == "second\n")
        // A new file in the folder (a parent profile by another name could
        // now be found first) is a miss too.
        try "extends: shell\n".write(to: profiles.appendingPathComponent("unrelated.yaml"), atomically: true, encoding: .utf8)
        #expect(!(try await exec(options, environment: override)).fromImage)
    }

    /// Edited in place (same inode): the times and size still tell.
    @Test func aProfileEditedInPlaceIsAMiss() async throws {
        let profiles = try profileFolder(adding: ["tagged": "extends: shell\nenvironment:\n  TAG: one\n"])
        defer { profiles.remove() }
        let options = ["--profile", "tagged", "--", "sh", "-c", "echo $TAG"]
        let override = ["AIRLOCK_PROFILES_DIR": profiles.path]
        _ = try await exec(options, environment: override)
        #expect(try await exec(options, environment: override).fromImage)
        let handle = try #require(FileHandle(forWritingAtPath: profiles.file("tagged.yaml")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("extends: shell\nenvironment:\n  TAG: two\n".utf8))
        try handle.close()
        let edited = try await exec(options, environment: override)
        #expect(!edited.fromImage)
        #expect(edited.stdout == "two\n")
    }

    /// A profile changed while its first command ran: the image must not
    /// pair the new file's fingerprint with the plan read from the old one.
    @Test func aProfileChangedWhileTheLaunchRanIsNotSaved() async throws {
        let profiles = try profileFolder(adding: ["tagged": "extends: shell\nenvironment:\n  TAG: before\n"])
        defer { profiles.remove() }
        let override = ["AIRLOCK_PROFILES_DIR": profiles.path]
        let script = "sleep 1; echo $TAG"
        let running = try HostCommand.start(BuiltBinary.path("airlock"), ["exec", "--profile", "tagged", "--", "sh", "-c", script],
                                            environment: environment.merging(override) { _, new in new }, stdin: .null)
        try await Task.sleep(nanoseconds: 400_000_000)
        try profiles.write("tagged.yaml", "extends: shell\nenvironment:\n  TAG: after\n")
        let first = try await offThePool { running.finish() }
        #expect(first.stdoutText == "before\n")
        let next = try await exec(["--profile", "tagged", "--", "sh", "-c", script], environment: override)
        #expect(!next.fromImage)
        #expect(next.stdout == "after\n")
    }

    /// A sandbox that can write the image folder (a non-root user's sandbox
    /// with a writable bind over ~/.cache) must not be able to plant a plan:
    /// an image rewritten without the keyring's secret is refused.
    @Test func anImageRewrittenWithoutTheSecretIsRefused() async throws {
        let options = ["--profile", "strict", "--", "hostname"]
        _ = try await exec(options)
        #expect(try await exec(options).stdout == "airlock\n")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).first { $0.hasSuffix(".img") })
        let path = images.appendingPathComponent(name).path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let hostname = try #require(bytes.range(of: Data("airlock\0".utf8)))
        bytes.replaceSubrange(hostname, with: Data("planted\0".utf8))
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o600) == 0)
        let forged = try await exec(options)
        #expect(!forged.fromImage)
        #expect(forged.trace.contains { $0.contains("not sealed by this user") }, "\(forged.trace)")
        #expect(forged.stdout == "airlock\n")
    }

    @Test func valuesGivenWithEnvAreNeverSaved() async throws {
        let options = ["--profile", "strict", "--env", "API_TOKEN=sk-never-on-disk", "--", "/bin/true"]
        _ = try await exec(options)
        #expect(!(try await exec(options)).fromImage)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: images.path)) ?? [] {
            let bytes = try Data(contentsOf: images.appendingPathComponent(name))
            #expect(bytes.range(of: Data("sk-never-on-disk".utf8)) == nil)
        }
    }

    /// AIRLOCK_LAUNCH_CACHE may name any folder: one that is not private to
    /// the user is not used, and not changed either.
    @Test func aSharedFolderNamedAsTheImageFolderIsLeftAlone() async throws {
        let shared = try HostTemp("front-end-shared")
        defer { shared.remove() }
        #expect(chmod(shared.path, 0o1777) == 0)
        try shared.write("notes.img", "not an image")
        let options = ["--profile", "strict", "--", "/bin/true"]
        let override = ["AIRLOCK_LAUNCH_CACHE": shared.path]
        #expect(try await exec(options, environment: override).status == 0)
        #expect(try await exec(options, environment: override).status == 0)
        var info = stat()
        #expect(stat(shared.path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o1777)
        #expect(shared.read("notes.img") == "not an image")
        #expect(try FileManager.default.contentsOfDirectory(atPath: shared.path) == ["notes.img"])
    }

    /// A FIFO planted at an image's name (by anything running as the user)
    /// must not hang the front end: it is not a file, so it is a miss.
    @Test func aFifoAtTheImagesNameIsAMissNotAHang() async throws {
        let options = ["--profile", "strict", "--", "echo", "ok"]
        _ = try await exec(options)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).first { $0.hasSuffix(".img") })
        let path = images.appendingPathComponent(name).path
        #expect(unlink(path) == 0)
        #expect(mkfifo(path, 0o600) == 0)
        let environment = environment
        let out = try await offThePool {
            try HostCommand.run("/usr/bin/timeout", ["20", BuiltBinary.path("airlock"), "exec"] + options, environment: environment, stdin: .null)
        }
        #expect(out.status == 0, "\(out.stderrText)")
        #expect(out.stdoutText == "ok\n")
    }

    /// The secret is the user's alone: no possessor rights (a process of
    /// another uid can come to possess the user's keyrings), and a key of
    /// that name with other rights is never used.
    @Test func theSecretsKeyGrantsOnlyItsUser() async throws {
        _ = try await exec(["--profile", "strict", "--", "/bin/true"])
        let keys = try String(contentsOfFile: "/proc/keys", encoding: .utf8).split(separator: "\n")
        let line = try #require(keys.first { $0.hasSuffix("airlock:launch-image-mac-v1: 16") && $0.contains(" \(geteuid()) ") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true)[4] == "000b0000", "\(line)")
    }

    /// A plan made while the memory and pids cgroups could not be written
    /// (here: a private mount namespace with them read-only) runs with
    /// rlimits alone; once the host offers them again the image is stale.
    @Test func anImagePlannedWithoutCgroupsIsStaleOnceTheyAreBack() async throws {
        try HostRequirement.require(getuid() == 0, "root (remounting cgroup hierarchies read-only in a private mount namespace)")
        try HostRequirement.require(FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/cgroup.procs"),
                                    "a cgroup v1 memory hierarchy (this test remounts it read-only)")
        let options = ["--profile", "strict", "--", "/bin/true"]
        let script = "mount -o remount,bind,ro /sys/fs/cgroup/memory && mount -o remount,bind,ro /sys/fs/cgroup/pids && "
            + "exec \"$0\" exec \"$@\""
        let environment = environment
        let inside = try await offThePool {
            try HostCommand.run("/usr/bin/unshare", ["-m", "--propagation", "private", "sh", "-c", script, BuiltBinary.path("airlock")] + options,
                                environment: environment, stdin: .null)
        }
        #expect(inside.status == 0, "\(inside.stderrText)")
        let outside = try await exec(options)
        #expect(!outside.fromImage)
        #expect(outside.trace.contains { $0.contains("the host's cgroups changed") }, "\(outside.trace)")
    }

    @Test func anImageAnotherUserCouldHaveWrittenOrThatIsDamagedIsNotUsed() async throws {
        let options = ["--profile", "strict", "--", "echo", "ok"]
        _ = try await exec(options)
        let image = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).first { $0.hasSuffix(".img") })
        let path = images.appendingPathComponent(image).path

        #expect(chmod(path, 0o644) == 0)
        let readable = try await exec(options)
        #expect(!readable.fromImage)
        #expect(readable.stdout == "ok\n")

        // The CLI saved it again (private); now damage one byte.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try await exec(options).fromImage)
        // A letter of the PATH the image holds: nothing but the damage
        // check can tell (the layout is intact).
        let letters = try #require(bytes.range(of: Data("/usr/local/bin".utf8)))
        bytes[letters.lowerBound + 3] ^= 0x01
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: bytes)
        try handle.close()
        let damaged = try await exec(options)
        #expect(!damaged.fromImage)
        #expect(damaged.stdout == "ok\n")

        #expect(try await exec(options).fromImage)
        #expect(chown(path, 65534, 65534) == 0)
        let foreign = try await exec(options)
        #expect(!foreign.fromImage)
        #expect(foreign.stdout == "ok\n")
    }

    @Test func aMissingCommandFromAnImageGetsTheCLIsMessage() async throws {
        _ = try await exec(["--profile", "strict", "--", "/bin/true"])
        let missing = try await exec(["--profile", "strict", "--", "no-such-command-xyz"])
        #expect(missing.fromImage)
        #expect(missing.trace.contains { $0.contains("the command did not start") && $0.contains("handed over") }, "\(missing.trace)")
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("command not found in the sandbox: no-such-command-xyz"), "\(missing.stderr)")
    }

    @Test func aBindSourceRemovedSinceTheImageIsRefusedByTheCLI() async throws {
        let temp = try HostTemp("front-end-bind")
        defer { temp.remove() }
        let data = URL(fileURLWithPath: temp.file("data"))
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let options = ["--profile", "shell", "--ro-bind", "\(data.path):/data", "--", "ls", "/data"]
        _ = try await exec(options)
        #expect(try await exec(options).fromImage)
        try FileManager.default.removeItem(at: data)
        let gone = try await exec(options)
        #expect(!gone.fromImage)
        #expect(gone.status == 64)
        #expect(gone.stderr.contains("does not exist"), "\(gone.stderr)")
    }

    @Test func aSymlinkSwappedInForABindSourceIsAMiss() async throws {
        let temp = try HostTemp("front-end-swap")
        defer { temp.remove() }
        let base = URL(fileURLWithPath: temp.path)
        let data = base.appendingPathComponent("data"), secret = base.appendingPathComponent("secret")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: secret, withIntermediateDirectories: true)
        try "secret\n".write(to: secret.appendingPathComponent("key"), atomically: true, encoding: .utf8)
        let options = ["--profile", "shell", "--ro-bind", "\(data.path):/data", "--", "cat", "/data/key"]
        _ = try await exec(options)
        #expect(try await exec(options).fromImage)
        try FileManager.default.removeItem(at: data)
        try FileManager.default.createSymbolicLink(at: data, withDestinationURL: secret)
        // The CLI plans it afresh (and may bind where the link now points:
        // the caller named that path); the saved plan is never run.
        let swapped = try await exec(options)
        #expect(!swapped.fromImage)
    }

    @Test func otherCommandsAreHandedToTheCLI() async throws {
        let out = try await offThePool { try BuiltBinary.run("airlock", ["profile", "list"]) }
        #expect(out.status == 0)
        #expect(out.stdout.contains("strict"))
    }
}
