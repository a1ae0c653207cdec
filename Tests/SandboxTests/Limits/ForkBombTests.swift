import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// A fork bomb must hit the processes limit (and say so), leave nothing
/// running on the host afterwards, and leave the host able to launch more.
@Suite("Fork bomb", .timeLimit(.minutes(2)))
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

    /// While a bomb is at its cap, the host still starts processes of its
    /// own: the cap is the sandbox's, not the host's (no timing asserted,
    /// only that a host fork and exec completes while the bomb runs).
    @Test func theHostStillForksWhileTheBombRuns() async throws {
        let token = Token.make("forkbomb-live")
        let limits = ResourceLimits(wallSeconds: 40, cpuSeconds: 60, memoryBytes: 256 << 20, processes: 24)
        let profile = Fixtures.profile(name: "test-forkbomb-live", limits: limits)
        let bomb = Task {
            // Forks for as long as it runs, so the tree stays at its cap
            // (a shell bomb ends itself once its own fork fails).
            let script = "# \(token)\nimport os, time\nwhile True:\n    try:\n        if os.fork() == 0:\n            time.sleep(60)\n            os._exit(0)\n    except OSError:\n        time.sleep(0.01)\n"
            return try await Fixtures.engine.run(LaunchRequest(argv: ["/usr/bin/python3", "-c", script]), profile: profile)
        }
        // The bomb is up: many of its processes are visible from the host.
        for _ in 0..<1500 where HostProcesses.matching(token).count < 10 { try await Task.sleep(nanoseconds: 20_000_000) }
        try #require(HostProcesses.matching(token).count >= 10, "the bomb did not start")

        // posix_spawn, not Foundation's Process: its run() can crash once
        // the test process holds many descriptors (see HostCommand.swift).
        let host = try HostCommand.run("/bin/echo", ["host alive"])
        #expect(host.status == 0)
        #expect(host.stdoutText == "host alive\n")
        #expect(!HostProcesses.matching(token).isEmpty, "the bomb was still running while the host forked")

        bomb.cancel()
        _ = try? await bomb.value
        #expect(HostProcesses.survivors(token).isEmpty)
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
