import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Nested user namespaces are the usual first step of a kernel exploit from
/// a sandbox: inside one, the attacker holds every capability over objects
/// it creates. `unshare`, `setns` and `clone` with namespace flags are
/// covered in `DeniedSyscallTests`; these cover `clone3` (whose flags live
/// in memory a filter cannot inspect) and check the effect, not only the
/// errno.
@Suite("Nested namespaces", .timeLimit(.minutes(3)))
struct NamespaceTests {
    /// clone3 must fail with ENOSYS so libc falls back to clone(2), whose
    /// flags the filter can see.
    @Test func clone3FailsWithENOSYS() throws {
        let outcome = try AttackTool.run(["clone3"])
        #expect(outcome.line("clone3")?.errno == "ENOSYS", "clone3: \(outcome.outcome("clone3"))")
    }

    /// The sandbox is left in the user namespace the engine made: the
    /// process that tried every way of making a new one (unshare moves the
    /// caller itself) reads its own namespace before and after, and it is
    /// the same, and not the host's.
    @Test func noNewUserNamespaceAfterAllAttempts() throws {
        let outcome = try AttackTool.run(["userns", "unshare_user", "clone_newuser", "clone3", "setns", "userns"])
        let seen = outcome.lines.filter { $0.name == "userns" }.compactMap { $0.fields["ns"] }
        try #require(seen.count == 2, "stdout: \(outcome.result.stdout.text) stderr: \(outcome.result.stderr.text)")
        #expect(seen[0] == seen[1], "the attacking process changed user namespace: \(seen)")
        for attack in ["unshare_user", "clone_newuser", "clone3", "setns"] {
            #expect(outcome.line(attack)?.ok == false, "\(attack) succeeded: \(outcome.outcome(attack))")
        }
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")
        #expect(seen[0] != hostNamespace)
    }

    /// A denied clone3 is a denied syscall like any other: the result must
    /// list it, or an auditor never learns the sandbox tried to create a
    /// user namespace this way (the listener answers it ENOSYS and records it).
    @Test func clone3DenialIsRecorded() throws {
        let outcome = try AttackTool.run(["clone3"])
        let record = outcome.denied("clone3")
        #expect(record?.outcome == "denied:ENOSYS",
                "clone3 missing from deniedSyscalls: \(outcome.result.deniedSyscalls.map { "\($0.name) \($0.outcome)" })")
    }
}
