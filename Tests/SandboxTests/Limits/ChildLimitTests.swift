import AirlockCore
import CJail
import Foundation
import Testing
@testable import Sandbox

/// rlimits act per process: when a child of the sandbox's init (the usual
/// case: a shell running a command) hits one, the kernel kills that child,
/// and its parent, not Airlock, reaps it. These check the limit holds from
/// inside (the shell saw its child killed, the file stopped at the limit)
/// and that the result still reports the hit, learnt from the kernel's
/// process events (which need root on the host).
@Suite("Limits hit by a child process", .timeLimit(.minutes(3)))
struct ChildLimitTests {
    @Test func fileSizeLimitStopsAChild() throws {
        let profile = Fixtures.profile(name: "test-child-fsize", limits: ResourceLimits(wallSeconds: 20, fileSizeBytes: 1 << 20))
        let result = try Fixtures.sh(DiskFillTests.ddTooBig.joined(separator: " ")
            + " 2>/dev/null; echo \"status=$?\"; stat -c 'size=%s' /workspace/big", profile: profile)
        // 128 + SIGXFSZ: the child was killed by the limit, and the file stopped at it.
        #expect(result.stdout.text == "status=\(128 + SIGXFSZ)\nsize=\(1 << 20)\n", "stdout: \(result.stdout.text)")
        #expect(result.termination == .exited && result.exitCode == 0)
        try Self.requireProcessEvents()
        let hit = try #require(result.limitsHit.first { $0.kind == .fileSize }, "limits hit: \(result.limitsHit)")
        #expect(hit.limit == 1 << 20)
        #expect(hit.evidence.contains("1 process(es) started in the sandbox ended by SIGXFSZ"), "\(hit.evidence)")
    }

    @Test func cpuTimeLimitStopsAChild() throws {
        let profile = Fixtures.profile(name: "test-child-cpu", limits: ResourceLimits(wallSeconds: 30, cpuSeconds: 1))
        let result = try Fixtures.sh("sh -c 'while :; do :; done'; echo \"status=$?\"", profile: profile)
        #expect(result.stdout.text == "status=\(128 + SIGXCPU)\n", "stdout: \(result.stdout.text)")
        try Self.requireProcessEvents()
        let hit = try #require(result.limitsHit.first { $0.kind == .cpuTime }, "limits hit: \(result.limitsHit)")
        #expect(hit.evidence.contains("ended by SIGXCPU"), "\(hit.evidence)")
    }

    /// A child that ends normally, or by a signal that is not a limit's,
    /// is no limit hit.
    @Test func childrenThatEndOtherwiseAreNoLimitHits() throws {
        let result = try Fixtures.sh("sh -c 'exit 3'; sh -c 'kill -TERM $$'; echo done")
        #expect(result.stdout.text == "done\n")
        try Self.requireProcessEvents()
        #expect(result.limitsHit.isEmpty, "\(result.limitsHit)")
    }

    /// Every launch's descendants are told apart in the one stream of
    /// process events: a grandchild counts for its own sandbox, and
    /// another sandbox running meanwhile sees none of it.
    @Test func concurrentSandboxesEachCountOnlyTheirOwnDescendants() async throws {
        try Self.requireProcessEvents()
        let profile = Fixtures.profile(name: "test-child-events")
        // Three processes ended by SIGXFSZ: two children and a grandchild
        // (`; true` keeps the middle shell from exec'ing its last command).
        let ended = "sh -c 'kill -XFSZ $$'; sh -c 'kill -XFSZ $$'; sh -c \"sh -c 'kill -XFSZ \\$\\$'; true\"; echo done"
        let calm = "for i in 1 2 3 4 5 6; do sh -c 'exit 0'; done; echo done"
        async let hit = Fixtures.engine.run(LaunchRequest(argv: ["/bin/sh", "-c", ended]), profile: profile)
        async let quiet = Fixtures.engine.run(LaunchRequest(argv: ["/bin/sh", "-c", calm]), profile: profile)
        let (withHits, without) = try await (hit, quiet)
        #expect(withHits.stdout.text == "done\n" && without.stdout.text == "done\n",
                "\(withHits.stderr.text) \(without.stderr.text)")
        let evidence = withHits.limitsHit.first { $0.kind == .fileSize }?.evidence ?? "none"
        #expect(evidence.contains("3 process(es) started in the sandbox ended by SIGXFSZ"), "\(withHits.limitsHit)")
        #expect(without.limitsHit.isEmpty, "\(without.limitsHit)")
    }

    /// Descendants are followed through the kernel's process events, which
    /// only root on the host may read.
    static func requireProcessEvents() throws {
        let fd = cjail_proc_events_open()
        if fd >= 0 { close(fd) }
        try HostRequirement.require(fd >= 0, "the kernel's process events connector (needs root and CONFIG_PROC_EVENTS): \(String(cString: strerror(-fd)))")
    }
}
