import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// A process that allocates (and touches) far more than its memory limit is
/// killed, and the result says the memory limit did it. Nothing of the run
/// is left on the host afterwards: each test puts a unique token in every
/// command line and looks for it in the host's /proc.
@Suite("Memory balloon", .timeLimit(.minutes(3)))
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

    /// While balloons keep hitting the sandbox's memory limit, the host
    /// still starts processes and another sandbox still runs: the limit
    /// is the sandbox's, not the host's (no timing asserted).
    @Test func theHostStillWorksWhileBalloonsRun() async throws {
        try HostRequirement.require(Fixtures.engine.host.cgroupControllers.contains("memory"),
                                    "a memory cgroup controller Airlock may use")
        let token = Token.make("balloon-live")
        let limits = ResourceLimits(wallSeconds: 40, memoryBytes: 64 << 20)
        let profile = Fixtures.profile(name: "test-balloon-live", limits: limits)
        let balloon = "import time\nb = []\nwhile True:\n    b.append(bytearray(1 << 20))\n    time.sleep(0.001)\n"
        let loop = Task {
            try await Fixtures.engine.run(LaunchRequest(argv: ["/bin/sh", "-c", ": \(token); while :; do python3 -c '\(balloon)'; done"]),
                                          profile: profile)
        }
        for _ in 0..<1500 where HostProcesses.matching(token).isEmpty { try await Task.sleep(nanoseconds: 20_000_000) }
        try #require(!HostProcesses.matching(token).isEmpty, "the balloon loop did not start")
        let host = try HostCommand.run("/bin/echo", ["host alive"])
        #expect(host.status == 0 && host.stdoutText == "host alive\n")
        #expect(try Fixtures.sh("echo alive").stdout.text == "alive\n")
        #expect(!HostProcesses.matching(token).isEmpty, "the balloons stopped before the host was checked")
        loop.cancel()
        _ = try? await loop.value
        #expect(HostProcesses.survivors(token).isEmpty)
    }
}
