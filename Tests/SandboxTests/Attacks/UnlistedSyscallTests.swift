import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// The profile's allowlist is the whole of what a sandbox may call.
/// DESIGN.md: "syscalls the policy does not know return ENOSYS, known-denied
/// ones EPERM". A number the kernel has never heard of and a real syscall
/// the profile simply leaves out both fail with ENOSYS (as on an older
/// kernel, which programs handle); one the profile names under `deny:`, or
/// that no profile may allow, fails with EPERM. Either way the recorder
/// names the attempt, so an auditor sees it.
///
/// `getcpu` serves as the real syscall: harmless, absent from the test
/// profile's list, and it succeeds when a profile does allow it (the
/// control), so an ENOSYS or EPERM below is the filter's answer.
@Suite("Unlisted syscalls", .timeLimit(.minutes(3)))
struct UnlistedSyscallTests {
    static let getcpu = SyscallTable.number(of: "getcpu")!

    /// Control: allowed, `getcpu` runs and nothing is recorded as denied.
    @Test func anAllowedSyscallRuns() throws {
        let outcome = try AttackTool.run(["raw", "\(Self.getcpu)"], profile: Fixtures.profile(name: "test-getcpu", extraAllow: ["getcpu"]))
        #expect(outcome.line("raw_\(Self.getcpu)")?.ok == true, "getcpu: \(outcome.outcome("raw_\(Self.getcpu)"))")
        #expect(outcome.denied("getcpu") == nil)
    }

    @Test func aRealSyscallTheProfileDoesNotListFailsWithENOSYS() throws {
        #expect(!Fixtures.profile().seccomp.allow.contains("getcpu"), "the test profile lists getcpu: pick another")
        let outcome = try AttackTool.run(["raw", "\(Self.getcpu)"])
        try expect(outcome, "raw_\(Self.getcpu)", recordedAs: "getcpu", number: Self.getcpu, errno: "ENOSYS")
    }

    /// 1000 is past the end of the x86_64 table: the recorder names it by
    /// number.
    @Test func anUnknownSyscallNumberFailsWithENOSYS() throws {
        #expect(SyscallTable.name(of: 1000) == "syscall_1000", "1000 is a real syscall here: pick another")
        let outcome = try AttackTool.run(["raw", "1000"])
        try expect(outcome, "raw_1000", recordedAs: "syscall_1000", number: 1000, errno: "ENOSYS")
    }

    @Test func aSyscallTheProfileDeniesFailsWithEPERM() throws {
        let profile = Fixtures.profile(name: "test-deny-getcpu", deny: ["getcpu"])
        let outcome = try AttackTool.run(["raw", "\(Self.getcpu)"], profile: profile)
        try expect(outcome, "raw_\(Self.getcpu)", recordedAs: "getcpu", number: Self.getcpu, errno: "EPERM")
    }

    /// `syslog` (the kernel log) is on the list no profile may allow: EPERM
    /// though the test profile never mentions it.
    @Test func anAlwaysDeniedSyscallFailsWithEPERM() throws {
        let syslog = try #require(SyscallTable.number(of: "syslog"))
        #expect(SyscallRestrictions.alwaysDenied.contains("syslog"))
        // SYSLOG_ACTION_SIZE_BUFFER (10): a read-only question, EPERM from the filter.
        let outcome = try AttackTool.run(["raw", "\(syslog),10"])
        try expect(outcome, "raw_\(syslog)", recordedAs: "syslog", number: syslog, errno: "EPERM")
    }

    private func expect(_ outcome: AttackOutcome, _ line: String, recordedAs name: String, number: Int32, errno: String,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        #expect(outcome.line(line)?.errno == errno, "\(line): \(outcome.outcome(line))", sourceLocation: sourceLocation)
        let record = try #require(outcome.denied(name), "no denied record for \(name); denied: \(outcome.result.deniedSyscalls.map(\.name))",
                                  sourceLocation: sourceLocation)
        #expect(record.outcome == "denied:\(errno)", sourceLocation: sourceLocation)
        #expect(record.number == number, sourceLocation: sourceLocation)
        #expect(outcome.result.termination == .exited, sourceLocation: sourceLocation)
    }
}
