import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A fork bomb must hit the processes limit (and say so), leave nothing
/// running on the host afterwards, and leave the host able to launch more.
@Suite("Fork bomb", .timeLimit(.minutes(1)))
struct ForkBombTests {
    @Test func forkBombIsCappedReportedAndCleanedUp() throws {
        let token = Token.make("forkbomb")
        let limits = ResourceLimits(wallSeconds: 3, cpuSeconds: 10, memoryBytes: 256 << 20, processes: 24)
        let profile = Fixtures.profile(name: "test-forkbomb", limits: limits)
        // Every process of the bomb is a fork of this sh, so its command
        // line (and the token in it) marks it on the host.
        let result = try Fixtures.sh(": \(token); bomb() { bomb | bomb & }; bomb; sleep 10", profile: profile)

        #expect(result.limitsHit.contains { $0.kind == .processes },
                "processes limit not reported; limitsHit: \(result.limitsHit.map(\.kind)) evidence: \(result.limitsHit.map(\.evidence))")
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map { "\($0.pid) uid \($0.uids)" })")

        // The host (and the engine) still work.
        let after = try Fixtures.sh("echo alive")
        #expect(after.stdout.text == "alive\n")
    }

    /// With a cgroup in force, the pids controller is what stops the bomb,
    /// counted for the whole tree whatever uid it runs as.
    @Test func pidsCgroupIsInForce() throws {
        let result = try Fixtures.sh("true", profile: Fixtures.profile(name: "test-pids"))
        let host = Fixtures.engine.host
        try HostRequirement.require(host.cgroupControllers.contains("pids"), "a pids cgroup controller Airlock may use")
        #expect(result.manifest.cgroupControllers.contains("pids"))
        #expect(result.manifest.limits["processes"] == Fixtures.profile().limits.processes)
    }
}
