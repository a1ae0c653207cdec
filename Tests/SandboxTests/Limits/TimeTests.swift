import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Wall-clock and CPU limits end a run and say so; a wall-clock kill takes
/// every process of the sandbox with it, including ones the command left
/// running in the background.
@Suite("Time limits", .timeLimit(.minutes(3)))
struct TimeTests {
    @Test func wallClockKillsTheWholeTree() throws {
        let token = Token.sleepSeconds()
        let profile = Fixtures.profile(name: "test-wall", limits: ResourceLimits(wallSeconds: 1))
        let result = try Fixtures.sh("sleep \(token) & sleep \(token); echo never", profile: profile)
        #expect(result.limitsHit.contains { $0.kind == .wallClock }, "limitsHit: \(result.limitsHit.map(\.kind))")
        #expect(result.termination == .limitKilled)
        #expect(!result.stdout.text.contains("never"))
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "background sleep survived the timeout: \(survivors.map(\.pid))")
    }

    /// An init that exits normally still takes its background children
    /// with it: nothing of a finished run keeps running.
    @Test func backgroundChildDoesNotOutliveARun() throws {
        let token = Token.sleepSeconds()
        let result = try Fixtures.sh("sleep \(token) & echo started")
        #expect(result.termination == .exited && result.exitCode == 0)
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "background sleep outlived its run: \(survivors.map(\.pid))")
    }

    @Test func cpuTimeLimitEndsABusyLoop() throws {
        let profile = Fixtures.profile(name: "test-cpu", limits: ResourceLimits(wallSeconds: 30, cpuSeconds: 1))
        let token = Token.make("busy")
        let result = try Fixtures.sh(": \(token); while :; do :; done", profile: profile)
        #expect(result.limitsHit.contains { $0.kind == .cpuTime }, "limitsHit: \(result.limitsHit.map(\.kind)) signal \(String(describing: result.signal))")
        #expect(result.signal == SIGXCPU || result.signal == SIGKILL)
        #expect(result.termination == .limitKilled)
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "the busy loop is still running on the host: \(survivors.map(\.pid))")
    }

    /// RLIMIT_CPU holds each process alone: sixteen workers that each stay
    /// under it would together use several times the limit. The run's
    /// cgroup counts them together, and the sandbox is killed once the sum
    /// passes the limit.
    @Test func cpuTimeIsCountedForTheWholeSandbox() throws {
        try HostRequirement.require(Fixtures.engine.host.cgroupVersion == .v2
                                        || Fixtures.engine.host.cgroupControllers.contains("cpuacct"),
                                    "a cgroup that counts CPU time (v2, or v1's cpuacct controller)")
        let profile = Fixtures.profile(name: "test-cpu-sum", limits: ResourceLimits(wallSeconds: 60, cpuSeconds: 3))
        let token = Token.make("cpu-sum")
        // Each worker spins about half a second of CPU (far under its own
        // 3 s), then exits: about 8 s together.
        let worker = "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done"
        let script = ": \(token); for n in $(seq 16); do ( \(worker) ) & done; wait; echo all-finished"
        let result = try Fixtures.sh(script, profile: profile)
        let hit = result.limitsHit.first { $0.kind == .cpuTime }
        #expect(hit?.evidence.contains("together") == true, "limitsHit: \(result.limitsHit.map(\.evidence))")
        #expect(result.termination == .limitKilled)
        #expect(!result.stdout.text.contains("all-finished"), "the workers ran to the end")
        #expect(!result.manifest.limitsUnobserved.contains("cpu_time"))
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "workers still running on the host: \(survivors.map(\.pid))")
    }
}

