import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A process that allocates (and touches) far more than its memory limit is
/// killed, and the result says the memory limit did it. Nothing of the run
/// is left on the host afterwards: each test puts a unique token in every
/// command line and looks for it in the host's /proc.
@Suite("Memory balloon", .timeLimit(.minutes(1)))
struct MemoryTests {
    @Test func balloonIsKilledAtTheMemoryLimit() throws {
        try HostRequirement.require(Fixtures.engine.host.cgroupControllers.contains("memory"),
                                    "a memory cgroup controller Airlock may use")
        let limits = ResourceLimits(wallSeconds: 30, memoryBytes: 64 << 20)
        let profile = Fixtures.profile(name: "test-balloon", limits: limits)
        let token = Token.make("balloon")
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/usr/bin/python3", "-c", Self.balloon, token]),
                                                     profile: profile)

        #expect(result.limitsHit.contains { $0.kind == .memory },
                "limitsHit: \(result.limitsHit.map(\.kind)); exit \(String(describing: result.exitCode)) signal \(String(describing: result.signal)); stderr: \(result.stderr.text.suffix(300))")
        #expect(result.termination == .limitKilled)
        #expect(result.signal == SIGKILL)
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map(\.pid))")
    }

    /// The usual shape: a shell's child balloons while a sibling sleeps.
    /// The OOM killer takes the balloon (the largest process); the shell
    /// sees that, sees its sleeper still alive, and exits; the sleeper must
    /// go with the sandbox, not stay behind on the host.
    @Test func balloonInAChildLeavesNothingRunning() throws {
        try HostRequirement.require(Fixtures.engine.host.cgroupControllers.contains("memory"),
                                    "a memory cgroup controller Airlock may use")
        let limits = ResourceLimits(wallSeconds: 30, memoryBytes: 64 << 20)
        let profile = Fixtures.profile(name: "test-balloon-child", limits: limits)
        let token = Token.sleepSeconds()
        let script = """
            sleep \(token) &
            sleeper=$!
            python3 -c "$1" \(token); echo "balloon=$?"
            kill -0 $sleeper && echo sleeper-alive
            """
        let result = try Fixtures.engine.runBlocking(
            LaunchRequest(argv: ["/bin/sh", "-c", script, "sh", Self.balloon]), profile: profile)

        #expect(result.stdout.text == "balloon=\(128 + SIGKILL)\nsleeper-alive\n",
                "stdout: \(result.stdout.text) stderr: \(result.stderr.text.suffix(300))")
        #expect(result.limitsHit.contains { $0.kind == .memory }, "limitsHit: \(result.limitsHit.map(\.kind))")
        #expect(result.termination == .exited && result.exitCode == 0)
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map { "\($0.pid) \($0.commandLine)" })")
    }

    /// Each chunk is written (b'\x01' * n), so the pages are really in use.
    static let balloon = "chunks = []\nwhile True:\n    chunks.append(bytearray(b'\\x01') * (8 << 20))\n"
}
