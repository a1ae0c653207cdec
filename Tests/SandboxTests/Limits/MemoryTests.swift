import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A process that allocates (and touches) far more than its memory limit is
/// killed, and the result says the memory limit did it.
@Suite("Memory balloon", .timeLimit(.minutes(1)))
struct MemoryTests {
    @Test func balloonIsKilledAtTheMemoryLimit() throws {
        try HostRequirement.require(Fixtures.engine.host.cgroupControllers.contains("memory"),
                                    "a memory cgroup controller Airlock may use")
        let limits = ResourceLimits(wallSeconds: 30, memoryBytes: 64 << 20)
        let profile = Fixtures.profile(name: "test-balloon", limits: limits)
        // Each chunk is written (b'\x01' * n), so the pages are really in use.
        let script = "chunks = []\nwhile True:\n    chunks.append(bytearray(b'\\x01') * (8 << 20))\n"
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/usr/bin/python3", "-c", script]), profile: profile)

        #expect(result.limitsHit.contains { $0.kind == .memory },
                "limitsHit: \(result.limitsHit.map(\.kind)); exit \(String(describing: result.exitCode)) signal \(String(describing: result.signal)); stderr: \(result.stderr.text.suffix(300))")
        #expect(result.termination == .limitKilled)
        #expect(result.signal == SIGKILL)
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
    }
}
