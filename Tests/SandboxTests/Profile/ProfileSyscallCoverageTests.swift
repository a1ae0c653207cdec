import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// The shipped allowlists are practical: every syscall the programs each
/// profile is meant for actually make (observed with `strace -f` on this
/// host) is allowed, outright or under a condition. `clone3` is the one
/// expected exception: the filter answers it ENOSYS and glibc falls back to
/// `clone`.
///
/// Needs strace (scripts/setup.sh installs it). Without it the test is
/// skipped on a developer machine and fails under CI=true, where a missing
/// tool must not pass for a green run.
@Suite("Shipped profiles cover real programs' syscalls", .serialized)
struct ProfileSyscallCoverageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var profile: String
        var argv: [String]
        /// Calls the program tries that this profile refuses on purpose
        /// (and the program copes: glibc's name lookup tries the nscd socket
        /// and falls back to files).
        var refused: Set<String> = []
        var testDescription: String { "\(profile): \(argv.joined(separator: " "))" }
    }

    static let shellScript = "ls /; echo hi > \"$WORK/x\"; cat \"$WORK/x\"; ls -l \"$WORK\" | wc -l"
    static let python = "/usr/bin/python3"

    static let cases: [Case] = [
        Case(profile: "strict", argv: ["/bin/true"]),
        Case(profile: "strict", argv: ["/bin/sh", "-c", shellScript], refused: ["socket", "connect"]),
        Case(profile: "shell", argv: ["/bin/sh", "-c", shellScript]),
        Case(profile: "shell", argv: [python, "-c", "print(1)"]),
        Case(profile: "shell", argv: [python, "-c", """
            import asyncio, json, os, sqlite3, subprocess, tempfile, threading
            asyncio.run(asyncio.sleep(0))
            subprocess.run(["true"], check=True)
            t = threading.Thread(target=lambda: None); t.start(); t.join()
            with tempfile.NamedTemporaryFile(dir=os.environ["WORK"]) as f: f.write(b"x"); f.flush(); os.fsync(f.fileno())
            db = sqlite3.connect(os.path.join(os.environ["WORK"], "db")); db.execute("create table t(x)"); db.commit()
            print(json.dumps({"ok": True}))
            """]),
        Case(profile: "shell", argv: ["/usr/bin/sqlite3", ":memory:", "select 1"]),
        Case(profile: "network", argv: [python, "-c", "import socket, ssl; socket.socket().close(); ssl.create_default_context()"]),
    ]

    @Test("every syscall made is allowed by the profile", arguments: cases)
    func covered(_ testCase: Case) throws {
        guard let strace = Self.strace() else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("strace is missing; scripts/setup.sh installs it")
            }
            return
        }
        let profile = try ProfileCatalog.shipped().resolve(name: testCase.profile)
        let covered = Set(profile.seccomp.allow).union(profile.seccomp.conditions.map(\.syscall))
            .union(SyscallRestrictions.enosys)
        let used = try Self.syscalls(of: testCase.argv, strace: strace, environment: profile.environment.set)
        #expect(!used.isEmpty)
        let missing = used.subtracting(covered).subtracting(testCase.refused).sorted()
        #expect(missing.isEmpty, "\(testCase.profile) does not allow \(missing) used by \(testCase.argv[0])")
        #expect(testCase.refused.isDisjoint(with: covered), "\(testCase.profile) was expected to refuse \(testCase.refused)")
    }

    static func strace() -> String? {
        ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The names of all syscalls `argv` and its children make, run in a
    /// scratch directory standing in for the workspace.
    static func syscalls(of argv: [String], strace: String, environment: [String: String]) throws -> Set<String> {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-strace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let trace = work.appendingPathComponent("trace.txt")

        let traced = try HostCommand.run(
            strace, ["-f", "-qq", "-o", trace.path, "--"] + argv,
            environment: environment.merging(["WORK": work.path, "HOME": work.path]) { _, new in new },
            workingDirectory: work.path, stdout: .null, stderr: .null)
        #expect(traced.status == 0, "\(argv) failed under strace")

        var names = Set<String>()
        for line in try String(contentsOf: trace, encoding: .utf8).split(separator: "\n") {
            var rest = line.drop(while: { $0.isNumber }).drop(while: { $0 == " " })
            if rest.hasPrefix("<... ") { rest = rest.dropFirst(5) }
            let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
            let after = rest.dropFirst(name.count)
            if !name.isEmpty, after.hasPrefix("(") || after.hasPrefix(" resumed>") { names.insert(String(name)) }
        }
        return names
    }
}
