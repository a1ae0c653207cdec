import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Every mistake an admin can make in one file is an error that names the
/// file, the line and the field, and nothing resolves while one remains.
@Suite("Profile validation errors")
struct ProfileValidationTests {
    /// The single error for profile `bad`: `extends: ok` (a runnable
    /// parent) followed by `extra`, whose first line is line 2 of the file.
    private func onlyError(_ extra: String) throws -> (line: String, fixtures: ProfileFixtures) {
        let fixtures = try ProfileFixtures(["ok": ProfileFixtures.runnable, "bad": "extends: ok\n" + extra])
        let errors = try fixtures.errors("bad")
        #expect(errors.count == 1, "\(errors)")
        #expect(try fixtures.report("bad").profile == nil)
        return (errors.first ?? "", fixtures)
    }

    @Test("a bad size names file, line and field and shows the accepted form")
    func badSize() throws {
        let (error, fixtures) = try onlyError("""
            limits:
              wall: 10s
              memory: 12QB
            """)
        #expect(error == "\(fixtures.path("bad")):4: limits.memory: \"12QB\" is not a size (use e.g. 512M, 1G)")
    }

    @Test("a bad duration is an error", arguments: ["10 sec", "fast", "-1s", "1d"])
    func badDuration(text: String) throws {
        let (error, fixtures) = try onlyError("limits: { wall: \"\(text)\" }")
        #expect(error.hasPrefix("\(fixtures.path("bad")):2: limits.wall: \"\(text)\" is not a duration"))
    }

    @Test("zero limits are errors: there is no unlimited")
    func zeroLimit() throws {
        let (error, _) = try onlyError("limits: { processes: 0 }")
        #expect(error.contains(":2: limits.processes: must be greater than zero"))
    }

    /// The top of each range is what the kernel reads as unlimited or
    /// refuses outright; a value past it is an error here, not a setup
    /// failure (or a trap) at launch.
    @Test("limits outside their range are errors that give the range", arguments: [
        ("wall: 6000000h", "limits.wall: must be between 1ms and 168h"),
        ("wall: 100000000000000000000000000000000000000000h", "limits.wall: must be between 1ms and 168h"),
        ("cpu: 999999999999999999999h", "limits.cpu: must be between 1s and 604800s"),
        ("memory: 1", "limits.memory: must be between 1M and 1T"),
        ("memory: 4T", "limits.memory: must be between 1M and 1T"),
        ("processes: 99999999999", "limits.processes: must be between 1 and 4194304"),
        ("open_files: 99999999999", "limits.open_files: must be between 1 and 1048576"),
        ("output: 2G", "limits.output: must be between 1 and 256M"),
        ("file_size: 2T", "limits.file_size: must be between 1 and 1T"),
    ])
    func limitOutOfRange(limit: String, message: String) throws {
        let (error, _) = try onlyError("limits: { \(limit) }")
        #expect(error.contains(":2: " + message), "\(error)")
    }

    @Test("cpu time must be whole seconds")
    func fractionalCPU() throws {
        let (error, _) = try onlyError("limits: { cpu: 1500ms }")
        #expect(error.contains(":2: limits.cpu: the CPU limit is counted by the kernel in whole seconds"))
    }

    @Test("unknown keys are errors at every level, with a suggestion", arguments: [
        ("netwrok: none", ":2: netwrok: unknown key (did you mean \"network\"?)"),
        ("filesystem:\n  read_olny: [/usr]", ":3: filesystem.read_olny: unknown key (did you mean \"read_only\"?)"),
        ("limits:\n  memroy: 1G", ":3: limits.memroy: unknown key (did you mean \"memory\"?)"),
        ("identity:\n  user: 1000", ":3: identity.user: unknown key"),
        ("filesystem:\n  read_only:\n    - { source: /usr, destination: /usr, optinal: true }",
         ":4: filesystem.read_only[0].optinal: unknown key (did you mean \"optional\"?)"),
    ])
    func unknownKeys(yaml: String, expected: String) throws {
        let (error, _) = try onlyError(yaml)
        #expect(error.contains(expected), "\(error)")
    }

    @Test("uid or gid 0 inside the sandbox is an error", arguments: ["uid", "gid"])
    func rootIdentity(key: String) throws {
        let (error, _) = try onlyError("identity:\n  \(key): 0")
        #expect(error.contains(":3: identity.\(key): 0 (root) is never allowed inside the sandbox"))
    }

    @Test("an always-denied syscall under allow is an error naming its line", arguments: [
        "ptrace", "bpf", "io_uring_setup", "keyctl", "mount", "fsopen", "unshare", "setns", "userfaultfd",
        "perf_event_open", "kexec_load", "init_module", "iopl", "modify_ldt", "open_by_handle_at",
    ])
    func alwaysDeniedAllow(name: String) throws {
        let fixtures = try ProfileFixtures(["bad": """
            seccomp:
              allow:
                - "@default"
                - \(name)
            """])
        let errors = try fixtures.errors("bad")
        #expect(errors == ["\(fixtures.path("bad")):4: seccomp.allow[1]: \(name) is always denied and can never be allowed (see SyscallRestrictions)"])
    }

    @Test("clone3 can never be allowed: it must fail with ENOSYS so libc falls back to clone")
    func clone3() throws {
        let (error, _) = try onlyError("seccomp:\n  allow: [clone3]")
        #expect(error.contains("clone3 always fails with ENOSYS"))
    }

    @Test("personality only with a PER_LINUX or query condition")
    func personality() throws {
        let (allowed, _) = try onlyError("seccomp:\n  allow: [personality]")
        #expect(allowed.contains("personality may only be allowed under seccomp.conditions"))
        let (conditioned, _) = try onlyError("seccomp:\n  conditions:\n    - { syscall: personality, arg: 0, op: \"==\", value: 0x0040000 }")
        #expect(conditioned.contains(":4: seccomp.conditions[0]: personality may only be allowed with arg 0 == 0x0 or 0xffffffff"))
    }

    @Test("unknown syscall names and groups are errors with a suggestion")
    func unknownSyscalls() throws {
        let (name, _) = try onlyError("record: [opnat]")
        #expect(name.contains(":2: record[0]: \"opnat\" is not an x86_64 syscall name (did you mean \"openat\"?)"))
        let (group, _) = try onlyError("seccomp:\n  deny: [\"@netwrok\"]")
        #expect(group.contains(":3: seccomp.deny[0]: unknown syscall group \"@netwrok\" (did you mean \"@network\"?)"))
    }

    /// An alias used as a key is expanded and hashed whole by the YAML
    /// library: a few hundred bytes of nested ones cost minutes. Profiles
    /// have no use for either, so both are refused before the document is
    /// composed (this one would take about as long as the universe).
    @Test("YAML anchors and aliases are refused before they are expanded", .timeLimit(.minutes(3)))
    func anchorsAndAliases() throws {
        var bomb = "x0: &a0 [y, y, y, y, y, y, y, y, y, y]\n"
        for level in 1...12 { bomb += "x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let (error, _) = try onlyError("x:\n" + bomb.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
            + "\nenvironment:\n  ? *a12\n  : v\n")
        #expect(error.contains("anchors and aliases"), "\(error)")
        let (plain, _) = try onlyError("description: &d hello")
        #expect(plain.contains(":2:") && plain.contains("anchors and aliases"), "\(plain)")
    }

    /// What a launch would refuse is an error already at lint.
    @Test("mount points the launch would refuse are lint errors", arguments: [
        ("filesystem:\n  writable:\n    - { source: /tmp, destination: /dev/foo }", "lies inside /dev"),
        ("filesystem:\n  read_only:\n    - { source: /usr, destination: / }", "/ is the sandbox's fresh root"),
        ("filesystem:\n  workspace:\n    path: /proc/ws", "lies inside /proc"),
    ])
    func refusedMountPoints(yaml: String, expected: String) throws {
        let (error, _) = try onlyError(yaml)
        #expect(error.contains(expected), "\(error)")
    }

    /// The kernel reads a tmpfs size of 0 as "as much as memory allows".
    @Test("tmpfs and workspace sizes have bounds; 0 is not unlimited", arguments: [
        "filesystem:\n  tmpfs:\n    /scratch: 0", "filesystem:\n  workspace:\n    size: 0",
        "filesystem:\n  tmpfs:\n    /scratch: 2T",
    ])
    func tmpfsSizesAreBounded(yaml: String) throws {
        let (error, _) = try onlyError(yaml)
        #expect(error.contains("a tmpfs size must be between 4K and 1T"), "\(error)")
    }

    @Test("bad condition parts are errors", arguments: [
        ("{ syscall: socket, arg: 6, op: \"==\", value: 1 }", "syscalls have arguments 0 to 5"),
        ("{ syscall: socket, arg: 0, op: \"<\", value: 1 }", "\"<\" is not an operator"),
        ("{ syscall: socket, arg: 0, op: \"==\", value: AF_BOGUS }", "\"AF_BOGUS\" is not a number or a known constant"),
        ("{ syscall: socket, arg: 0, op: \"==\" }", "value is missing"),
        ("{ syscall: bpf, arg: 0, op: \"==\", value: 0 }", "bpf is always denied; no condition can allow it"),
        ("{ syscall: clone, arg: 0, op: \"==\", value: 0 }", "clone is already conditioned by Airlock"),
        ("{ syscall: \"@network\", arg: 0, op: \"==\", value: 0 }", "a condition applies to one syscall, not a group"),
        ("{ syscall: socket, arg: 0, op: \"==\", value: AF_VSOCK }", "socket can only create AF_UNIX, AF_INET, AF_INET6, AF_NETLINK sockets"),
        ("{ syscall: socketpair, arg: 0, op: \"==\", value: AF_INET }", "socketpair can only create AF_UNIX sockets"),
    ])
    func badConditions(condition: String, expected: String) throws {
        let (error, _) = try onlyError("seccomp:\n  conditions:\n    - \(condition)")
        #expect(error.contains(":4: seccomp.conditions[0]"), "\(error)")
        #expect(error.contains(expected), "\(error)")
    }

    @Test("a != condition beside another on the same syscall is an error (alternatives would allow everything)")
    func negatedAlternatives() throws {
        let (error, _) = try onlyError("""
            seccomp:
              conditions:
                - { syscall: socket, arg: 0, op: "!=", value: 40 }
                - { syscall: socket, arg: 0, op: "!=", value: 17 }
            """)
        #expect(error.contains("conditions on socket are alternatives"), "\(error)")
    }

    /// A condition on ioctl replaces Airlock's rule that refuses the
    /// terminal-injection requests: only `arg 1 == REQUEST` (32 bits, not
    /// TIOCSTI or TIOCLINUX) may stand in for it.
    @Test("ioctl is allowed only by request", arguments: [
        ("{ syscall: ioctl, arg: 1, op: \"!=\", value: TIOCSTI }", "ioctl may only be allowed by request"),
        ("{ syscall: ioctl, arg: 0, op: \"==\", value: 1 }", "ioctl may only be allowed by request"),
        ("{ syscall: ioctl, arg: 1, op: \"&==0\", value: 0x1 }", "ioctl may only be allowed by request"),
        ("{ syscall: ioctl, arg: 1, op: \"==\", value: 0x100005401 }", "ioctl may only be allowed by request"),
        ("{ syscall: ioctl, arg: 1, op: \"==\", value: TIOCSTI }", "injects terminal input; it is always denied"),
        ("{ syscall: ioctl, arg: 1, op: \"==\", value: 0x541c }", "injects terminal input; it is always denied"),
    ])
    func ioctlConditions(condition: String, expected: String) throws {
        let (error, _) = try onlyError("seccomp:\n  conditions:\n    - \(condition)")
        #expect(error.contains(":4: seccomp.conditions[0]: ioctl "), "\(error)")
        #expect(error.contains(expected), "\(error)")
    }

    @Test("paths must be absolute and normal; nothing at /", arguments: [
        ("filesystem: { read_only: [usr] }", "\"usr\" is not an absolute path"),
        ("filesystem: { read_only: [/usr/../etc] }", "\"/usr/../etc\" is not an absolute path"),
        ("filesystem: { writable: [/srv/] }", "\"/srv/\" is not an absolute path"),
        ("filesystem: { tmpfs: { /: 1M } }", "the root is always a fresh tmpfs"),
    ])
    func badPaths(yaml: String, expected: String) throws {
        let (error, _) = try onlyError(yaml)
        #expect(error.contains(":2: filesystem."), "\(error)")
        #expect(error.contains(expected), "\(error)")
    }

    @Test("one path placed twice is an error naming both lines")
    func collidingMountPoints() throws {
        let (sameList, _) = try onlyError("filesystem:\n  read_only: [/usr]\n  writable: [/usr]")
        #expect(sameList.contains(":4: filesystem.writable[0]: /usr is already a read-only bind"))
        let (tmpfsOverWorkspace, _) = try onlyError("filesystem:\n  tmpfs: { /workspace: 1M }")
        #expect(tmpfsOverWorkspace.contains(":3: filesystem.tmpfs./workspace: /workspace is already the workspace"))
        let (underSymlink, _) = try onlyError("filesystem:\n  symlinks: { /bin: usr/bin }\n  read_only: [/bin/tool]")
        #expect(underSymlink.contains("/bin/tool lies beneath the symlink /bin"))
    }

    @Test("wrong value types are errors", arguments: [
        ("network: open", ":2: network: \"open\" is not a network mode (use none, loopback or host)"),
        ("filesystem: { proc: maybe }", ":2: filesystem.proc: expected true or false, found \"maybe\""),
        ("environment: [PATH]", ":2: environment: expected a mapping"),
        ("environment: { 1BAD: x }", "\"1BAD\" is not an environment variable name"),
        ("environment: { A: \"x\\0y\" }", ":2: environment.A: an environment value cannot contain a NUL character"),
        ("record: execve", ":2: record: expected a list"),
        ("identity: { hostname: \"bad host\" }", "\"bad host\" is not a hostname"),
    ])
    func wrongTypes(yaml: String, expected: String) throws {
        let (error, _) = try onlyError(yaml)
        #expect(error.contains(expected), "\(error)")
    }

    @Test("recording a syscall the profile does not allow is an error")
    func recordingDenied() throws {
        let (error, _) = try onlyError("record: [connect]")
        #expect(error.contains(":2: record[0]: connect is not allowed by this profile"))
    }

    @Test("a profile that cannot exec its command is an error")
    func noExecve() throws {
        let fixtures = try ProfileFixtures(["bad": "seccomp:\n  allow: [\"@basic-io\"]\n"])
        #expect(try fixtures.errors("bad") == ["\(fixtures.path("bad")):1: seccomp.allow: execve must be allowed: the filter is in force before the command is executed (add @default)"])
    }

    @Test("YAML syntax errors and duplicate keys name their line")
    func syntax() throws {
        let fixtures = try ProfileFixtures([
            "broken": "seccomp:\n  allow: [read\nnetwork: none\n",
            "twice": "network: none\nnetwork: host\n",
        ])
        let broken = try fixtures.errors("broken")
        #expect(broken.count == 1 && broken[0].hasPrefix(fixtures.path("broken") + ":") && broken[0].contains("YAML syntax"))
        let twice = try fixtures.errors("twice")
        #expect(twice.count == 1 && twice[0].contains("duplicate key network"))
    }

    @Test("an invalid profile is refused with one line and a pointer to lint")
    func refusedToRun() throws {
        let fixtures = try ProfileFixtures(["bad": "limits: { memory: 12QB, wall: soon }\n"])
        #expect {
            try fixtures.catalog().resolve(name: "bad")
        } throws: { error in
            guard let error = error as? AirlockError else { return false }
            return error.code == .invalidProfile && error.message.contains("limits.memory")
                && error.message.contains("run `airlock profile lint bad`")
        }
    }

    @Test("an invalid profile file's lint pointer names the file, not a profile of its name")
    func refusedToRunFromAFile() throws {
        let fixtures = try ProfileFixtures(["bad": "limits: { memory: 12QB, wall: soon }\n"])
        let file = fixtures.path("bad")
        #expect {
            try fixtures.catalog().load(file: file)
        } throws: { error in
            (error as? AirlockError)?.message.hasSuffix("run `airlock profile lint \(file)`)") == true
        }
    }

    @Test("an unknown or abstract profile name lists the runnable ones, not the broken ones")
    func unknownProfile() throws {
        let fixtures = try ProfileFixtures(["alpha": ProfileFixtures.runnable, "beta": ProfileFixtures.runnable,
                                            "broken": "limits: { memory: lots }\n", "root": ProfileFixtures.runnable + "\nabstract: true\n"])
        let catalog = try fixtures.catalog()
        #expect(catalog.runnableNames == ["alpha", "beta"])
        #expect(throws: AirlockError(.unknownProfile, "no profile named gamma; available: alpha, beta")) {
            try catalog.resolve(name: "gamma")
        }
        #expect(throws: AirlockError(.invalidProfile, "profile root is abstract (only a parent for other profiles); use one of: alpha, beta")) {
            try catalog.resolve(name: "root")
        }
    }

    @Test("a directory is not a profile file, given as one or named *.yaml in the folder")
    func directory() throws {
        let fixtures = try ProfileFixtures(["good": ProfileFixtures.runnable])
        try FileManager.default.createDirectory(at: fixtures.directory.appendingPathComponent("folder.yaml"), withIntermediateDirectories: true)
        let catalog = try fixtures.catalog()
        #expect(throws: AirlockError(.unknownProfile, "\(fixtures.directory.path) is a directory, not a profile file")) {
            try catalog.resolve(nameOrFile: fixtures.directory.path)
        }
        #expect(try catalog.report(name: "folder").errors.map(\.description) == ["\(fixtures.path("folder")):1: this is a directory, not a profile file"])
    }

    @Test("a typed path is folded by text into the normal absolute form", arguments: [
        ("./w", "/cwd/w"), ("w/", "/cwd/w"), ("w/../v//x/.", "/cwd/v/x"), ("../..", "/"), ("/a/./b/../c/", "/a/c"),
        ("/../a", "/a"), ("/", "/"), ("//a//b//", "/a/b"), (".", "/cwd"),
    ])
    func normalizedPaths(typed: String, normal: String) {
        let result = SandboxPaths.normalized(typed, relativeTo: "/cwd")
        #expect(result == normal)
        #expect(SandboxPaths.isNormalAbsolute(result))
    }

    @Test("a file that is not a mapping, or holds several documents, is an error")
    func documentShape() throws {
        let fixtures = try ProfileFixtures(["scalar": "just text\n", "many": "network: none\n---\nnetwork: host\n"])
        #expect(try fixtures.errors("scalar") == ["\(fixtures.path("scalar")):1: expected a mapping of key: value lines, found \"just text\""])
        #expect(try fixtures.errors("many").first?.contains("YAML syntax") == true)
    }

    @Test("a file that is not UTF-8 breaks only its own profile")
    func unreadableFile() throws {
        let fixtures = try ProfileFixtures(["good": ProfileFixtures.runnable])
        try Data([0xff, 0xfe, 0x00, 0x41]).write(to: fixtures.directory.appendingPathComponent("binary.yaml"))
        let catalog = try fixtures.catalog()
        #expect(catalog.names == ["binary", "good"])
        #expect(try catalog.report(name: "binary").errors.map(\.description) == ["\(fixtures.path("binary")):1: this file is not UTF-8 text"])
        _ = try catalog.resolve(name: "good")
    }

    @Test("names and files are told apart: a path or .yaml means a file")
    func nameOrFile() throws {
        let fixtures = try ProfileFixtures(["named": ProfileFixtures.runnable])
        let catalog = try fixtures.catalog()
        #expect(try catalog.resolve(nameOrFile: "named").name == "named")
        #expect(try catalog.resolve(nameOrFile: fixtures.path("named")).name == "named")
        #expect(throws: AirlockError.self) { try catalog.resolve(nameOrFile: "missing.yaml") }
    }
}

@Suite("Profile validation reports everything at once")
struct ProfileValidationAllAtOnceTests {
    @Test("a bad size and an always-denied syscall are both reported in one pass")
    func allErrors() throws {
        let fixtures = try ProfileFixtures(["bad": "limits:\n  memory: 12QB\nseccomp:\n  allow: [\"@default\", ptrace]\n"])
        let path = fixtures.path("bad")
        #expect(try fixtures.errors("bad") == [
            "\(path):2: limits.memory: \"12QB\" is not a size (use e.g. 512M, 1G)",
            "\(path):4: seccomp.allow[1]: ptrace is always denied and can never be allowed (see SyscallRestrictions)",
        ])
    }
}
