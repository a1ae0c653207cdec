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
@Suite("Nested namespaces", .timeLimit(.minutes(1)))
struct NamespaceTests {
    /// clone3 must fail with ENOSYS so libc falls back to clone(2), whose
    /// flags the filter can see.
    @Test func clone3FailsWithENOSYS() throws {
        let outcome = try AttackTool.run(["clone3"])
        #expect(outcome.line("clone3")?.errno == "ENOSYS", "clone3: \(outcome.outcome("clone3"))")
    }

    /// The sandbox is left in the user namespace the engine made: after
    /// every way of making a new one has been tried, the namespace id is the
    /// same as before and there is still exactly one level below the host's.
    @Test func noNewUserNamespaceAfterAllAttempts() throws {
        let outcome = try AttackTool.sh("""
            before=$(readlink /proc/self/ns/user)
            \(AttackTool.insidePath) unshare_user clone_newuser clone3 setns
            after=$(readlink /proc/self/ns/user)
            echo "RESULT userns before=$before after=$after"
            """)
        let line = try #require(outcome.line("userns"), "stdout: \(outcome.result.stdout.text) stderr: \(outcome.result.stderr.text)")
        #expect(line.fields["before"] == line.fields["after"])
        for attack in ["unshare_user", "clone_newuser", "clone3", "setns"] {
            #expect(outcome.line(attack)?.ok == false, "\(attack) succeeded: \(outcome.outcome(attack))")
        }
        // The sandbox's user namespace is not the host's.
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")
        #expect(line.fields["before"] != hostNamespace)
    }

    /// A denied clone3 is a denied syscall like any other: the result must
    /// list it, or an auditor never learns the sandbox tried to create a
    /// user namespace this way. (The filter answers clone3 with ENOSYS by
    /// itself, without waking the listener, so today it goes unrecorded.)
    @Test func clone3DenialIsRecorded() throws {
        let outcome = try AttackTool.run(["clone3"])
        let record = outcome.denied("clone3")
        #expect(record?.outcome == "denied:ENOSYS",
                "clone3 missing from deniedSyscalls: \(outcome.result.deniedSyscalls.map { "\($0.name) \($0.outcome)" })")
    }
}
