import CJail
import Foundation
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

/// A sealed child put its limits, filter and flags in force ahead of time;
/// a command plan that asks for other ones (the pool's key should make that
/// impossible) must fail the launch, not run with what was sealed.
@Suite("Sealed children check their command's plan", .timeLimit(.minutes(3)))
struct SealedPlanMismatchTests {
    static func run(sealed sealLimits: ResourceLimits, asked planLimits: ResourceLimits) throws -> Observation {
        let engine = Fixtures.engine
        let profile = Fixtures.profile()
        let filter = try SeccompCompiler.compile(profile.seccomp, record: profile.record)
        let root = try RootPlan(profile: profile, extraReadOnly: [], extraWritable: [], host: engine.host, options: engine.options,
                                netnsFD: nil, cgroup: nil, seal: SealPlan(filter: filter, limits: sealLimits))
        let child = try PreparedChild.spawn(root: root, cgroup: nil).get()
        let plan = try LaunchPlan(root: root, profile: profile, request: LaunchRequest(argv: ["/bin/true"], limits: planLimits),
                                  filter: filter, host: engine.host, cgroup: nil)
        let observation = LaunchSupervisor(plan: plan, stdin: nil, wallSeconds: 20, cancelFD: -1)
            .run(child: child.spawned, listener: child.listenerFD, filter: filter, outputCap: 1 << 20)
        close(observation.pidfd)
        if observation.mountNamespaceFD >= 0 { close(observation.mountNamespaceFD) }
        return observation
    }

    @Test func otherLimitsThanTheSealFailTheLaunch() throws {
        var asked = Fixtures.profile().limits
        asked.fileSizeBytes = 1 << 20
        let observation = try Self.run(sealed: Fixtures.profile().limits, asked: asked)
        #expect(observation.setupFailure?.step == Int32(CJAIL_STEP_SYNC.rawValue), "\(String(describing: observation.setupFailure))")
        #expect(observation.setupFailure?.error == EINVAL)
    }

    /// Control: the same limits run.
    @Test func theSealedLimitsRun() throws {
        let observation = try Self.run(sealed: Fixtures.profile().limits, asked: Fixtures.profile().limits)
        #expect(observation.setupFailure == nil, "\(String(describing: observation.setupFailure))")
        #expect(observation.exitKind == 1 && observation.exitValue == 0)
    }
}
