import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// The sandbox is never root: not inside (uid 1000, no capabilities in any
/// set, no_new_privs), not on the host (its processes run as an
/// unprivileged host uid), and a setuid-root binary can't change that.
@Suite("Privileges", .timeLimit(.minutes(2)))
struct PrivilegeTests {
    /// setuid and capset are allowed by the filter here, so what refuses
    /// them is the kernel's capability check: nothing left to use.
    @Test func noRootAndNoCapabilitiesInside() throws {
        let profile = Fixtures.profile(name: "test-setuid-allowed", extraAllow: ["setuid", "capset"])
        let outcome = try AttackTool.run(["ids", "setuid0", "capset", "ids"], profile: profile)
        let ids = try #require(outcome.line("ids"), "stdout: \(outcome.result.stdout.text)")
        #expect(ids.fields["uid"] == "1000" && ids.fields["euid"] == "1000")
        #expect(ids.fields["uid"] != "0")
        for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(ids.fields[set] == "0000000000000000", "\(set)=\(ids.fields[set] ?? "missing")")
        }
        #expect(ids.fields["NoNewPrivs"] == "1")
        #expect(ids.fields["Seccomp"] == "2")
        // EINVAL: uid 0 does not even exist in the sandbox's user namespace.
        #expect(["EPERM", "EINVAL"].contains(outcome.line("setuid0")?.errno), "setuid(0): \(outcome.outcome("setuid0"))")
        #expect(outcome.line("capset")?.errno == "EPERM", "capset: \(outcome.outcome("capset"))")
    }

    /// A copy of `id` made setuid root on the host and bound in: running it
    /// must leave the effective uid unprivileged. Three layers refuse it:
    /// host root is unmapped in the user namespace (the kernel then ignores
    /// the bit by itself), no_new_privs (checked above) and nosuid on every
    /// mount (checked below), so this end-to-end run alone would pass with
    /// either of the other two gone.
    @Test func setuidRootBinaryGivesNoPrivilege() throws {
        let host = try HostTemp("suid")
        defer { host.remove() }
        let binary = host.file("id")
        try FileManager.default.copyItem(atPath: "/usr/bin/id", toPath: binary)
        try #require(chown(binary, 0, 0) == 0, "chown root: \(String(cString: strerror(errno)))")
        try #require(chmod(binary, 0o4755) == 0)
        var info = stat()
        try #require(stat(binary, &info) == 0 && info.st_uid == 0 && info.st_mode & 0o4000 != 0,
                     "the host copy is not setuid root (the test needs to run as root)")

        let outcome = try AttackTool.sh("/opt/suid/id -u; /opt/suid/id -g",
                                        extraReadOnly: [BindMount(source: host.path, destination: "/opt/suid")])
        let lines = outcome.result.stdout.text.split(separator: "\n")
        #expect(lines.first == "1000", "euid after exec of a setuid-root binary: \(outcome.result.stdout.text) \(outcome.result.stderr.text)")
        #expect(!lines.contains("0"))
    }

    /// The file-capability twin of the setuid test: a copy of the attack
    /// tool carrying CAP_SETUID and CAP_SYS_ADMIN in its security.capability
    /// xattr (as `setcap cap_setuid,cap_sys_admin+ep` writes it). Running it
    /// must grant nothing: no capability in any set, setuid(0) still fails.
    @Test func fileCapabilitiesGiveNoPrivilege() throws {
        let host = try HostTemp("fcap")
        defer { host.remove() }
        let binary = host.file("airlock-attack")
        try FileManager.default.copyItem(atPath: AttackTool.hostPath, toPath: binary)
        let setcap = try? HostCommand.run("/usr/sbin/setcap", ["cap_setuid,cap_sys_admin+ep", binary],
                                          stdout: .inherit, stderr: .inherit)
        try HostRequirement.require(setcap?.status == 0,
                                    "setting file capabilities (/usr/sbin/setcap from libcap2-bin, run as root)")

        let profile = Fixtures.profile(name: "test-fcap", extraAllow: ["setuid"])
        let request = LaunchRequest(argv: ["/opt/fcap/airlock-attack", "ids", "setuid0"],
                                    extraReadOnly: [BindMount(source: host.path, destination: "/opt/fcap")])
        let outcome = AttackOutcome(result: try Fixtures.engine.runBlocking(request, profile: profile))
        let ids = try #require(outcome.line("ids"), "stdout: \(outcome.result.stdout.text) stderr: \(outcome.result.stderr.text)")
        for set in ["CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(ids.fields[set] == "0000000000000000", "\(set)=\(ids.fields[set] ?? "missing")")
        }
        #expect(outcome.line("setuid0")?.ok == false, "setuid(0): \(outcome.outcome("setuid0"))")
    }

    /// nosuid on every mount of the sandbox, binds included: a setuid or
    /// file-capability binary never raises privileges, whatever the user
    /// namespace's mapping becomes.
    @Test func everyMountIsNosuid() throws {
        let host = try HostTemp("nosuid")
        defer { host.remove() }
        let outcome = try AttackTool.sh("cat /proc/self/mountinfo", extraReadOnly: [BindMount(source: host.path, destination: "/opt/suid")],
                                        extraWritable: [BindMount(source: host.path, destination: "/opt/rw")])
        let mounts = outcome.result.stdout.text.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count > 5 }
        let points = mounts.map { String($0[4]) }
        for required in ["/", "/usr", "/tmp", "/workspace", "/dev", "/dev/shm", "/proc", "/opt/suid", "/opt/rw"] {
            #expect(points.contains(required), "no mount at \(required): \(points)")
        }
        for mount in mounts {
            #expect(mount[5].split(separator: ",").contains("nosuid"), "\(mount[4]) is mounted \(mount[5])")
        }
    }

    /// Seen from the host, the sandbox's processes run as the mapped
    /// unprivileged uid, never as root, even though the test runs as root.
    @Test func hostSideIdentityIsUnprivileged() async throws {
        let token = Token.sleepSeconds()
        let inFlight = try await SandboxInFlight.start(["/bin/sleep", token], token: token)
        let entries = inFlight.hostProcesses
        await inFlight.cancel()
        let entry = try #require(entries.first)
        #expect(!entry.uids.contains(0) && !entry.gids.contains(0), "host uids \(entry.uids) gids \(entry.gids)")
        if getuid() == 0 {
            #expect(entry.uids.allSatisfy { $0 == Fixtures.engine.options.outsideUID })
        } else {
            #expect(entry.uids.allSatisfy { $0 == getuid() })
        }
    }
}
