import Testing
@testable import Sandbox

/// A warm child is sealed ahead only when its own filter still lets it
/// reach the command: read its go, close, chdir, execve, report, exit.
@Suite struct SealPlanTests {
    static let needed = SealPlan.callsAfterSealing

    @Test func aPolicyAllowingTheLastCallsCanSealAhead() {
        #expect(SealPlan.canSealAhead(SeccompPolicy(allow: Self.needed + ["mmap"], deny: [])))
    }

    @Test(arguments: SealPlan.callsAfterSealing)
    func aPolicyMissingOneOfThemCannot(missing: String) {
        let policy = SeccompPolicy(allow: Self.needed.filter { $0 != missing }, deny: [missing])
        #expect(!SealPlan.canSealAhead(policy))
    }

    @Test func aConditionOnOneOfThemPreventsIt() {
        let policy = SeccompPolicy(allow: Self.needed, deny: [],
                                   conditions: [SyscallCondition(syscall: "write", argument: 0, op: .equal, value: 1)])
        #expect(!SealPlan.canSealAhead(policy))
    }

    /// Every shipped profile gets sealed warm children (and the engine's
    /// test profile, which most sandbox tests run under).
    @Test func theShippedProfilesCanSealAhead() throws {
        let catalog = try ProfileCatalog.load(directory: ShippedProfiles.directory())
        for name in catalog.runnableNames {
            #expect(SealPlan.canSealAhead(try catalog.resolve(name: name).seccomp), "\(name)")
        }
        #expect(SealPlan.canSealAhead(Fixtures.profile().seccomp))
    }
}
