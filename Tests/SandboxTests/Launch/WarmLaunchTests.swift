import AirlockCore
import CJail
import Foundation
import Testing
@testable import Sandbox

/// Launches served by a warm child (its sandbox built ahead of time) must
/// be indistinguishable from cold ones: a root of their own, their own
/// files, read-only where a cold root is, and nothing left running when
/// the pool stops.
@Suite("Warm launches", .serialized, .timeLimit(.minutes(3)))
struct WarmLaunchTests {
    /// The warm pool's tests run on the host's network: a fresh network
    /// namespace for each warm child waits behind the kernel's teardown of
    /// the hundreds the rest of the suite made (seen stalling past 60 s),
    /// and what these tests check is the pool, not the namespace.
    static let warmProfile = Fixtures.profile(name: "test-warm", network: .host)
    /// Waits (bounded) until the pool has a child ready.
    /// One launch (which makes the pool want children for the fixture
    /// profile), then a wait until one of them waits.
    private func warmUp(_ engine: SandboxEngine) async throws {
        _ = try await sh(engine, "true")
        try await waitForWarmChild(engine)
    }

    private func waitForWarmChild(_ engine: SandboxEngine) async throws {
        let waits = try await WarmPoolTesting.wait { !engine.warmPool.waitingPIDs.isEmpty }
        try #require(waits, "the warm pool prepared no child within 60 s: \(engine.warmPool.status)")
    }

    /// A waiting child that is (or is not) sealed, seen from outside: its
    /// seccomp mode in /proc (2: a filter in force). Waits up to 60 s.
    private func waitingChild(_ engine: SandboxEngine, sealed: Bool) async throws -> Int32 {
        let mode = sealed ? "Seccomp:\t2" : "Seccomp:\t0"
        func find() -> Int32? {
            engine.warmPool.waitingPIDs.first {
                (try? String(contentsOfFile: "/proc/\($0)/status", encoding: .utf8))?.contains(mode) == true
            }
        }
        _ = try await WarmPoolTesting.wait { find() != nil }
        return try #require(find(), "no \(sealed ? "sealed" : "unsealed") child waits: \(engine.warmPool.waitingPIDs)")
    }

    /// Through the async API (a launch thread of its own), so a busy
    /// cooperative pool can't hold these tests up.
    private func sh(_ engine: SandboxEngine, _ script: String, files: [InjectedFile] = []) async throws -> RunResult {
        try await engine.run(LaunchRequest(argv: ["/bin/sh", "-c", script], files: files), profile: Self.warmProfile)
    }

    @Test func eachWarmLaunchGetsAFreshRootWithItsOwnFiles() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        let first = try await sh(engine, "echo first > /workspace/left-behind; cat /run/airlock/token",
                           files: [InjectedFile(path: "/run/airlock/token", contents: Data("token-one".utf8))])
        #expect(first.exitCode == 0 && first.stdout.text == "token-one", "\(first.stderr.text)")

        try await waitForWarmChild(engine)
        let servedBefore = engine.warmPool.served
        let second = try await sh(engine, """
            test -e /workspace/left-behind && echo leftover
            cat /run/airlock/token; echo
            echo x > /run/airlock/token 2>/dev/null && echo token-writable
            echo x > /rootfile 2>/dev/null && echo root-writable
            echo ok > /workspace/mine && cat /workspace/mine
            """, files: [InjectedFile(path: "/run/airlock/token", contents: Data("token-two".utf8))])
        #expect(engine.warmPool.served == servedBefore + 1, "the second launch did not use the warm child")
        #expect(second.exitCode == 0, "\(second.stderr.text)")
        #expect(second.stdout.text == "token-two\nok\n", "\(second.stdout.text)")
    }

    /// Warm children are made at a lower priority (as root); the command
    /// a launch gives one must run at the launcher's own.
    @Test func aWarmChildRunsItsCommandAtTheLaunchersPriority() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        try await warmUp(engine)
        if BackgroundPriority.applies(on: engine.host) {
            // Seen from outside: the waiting child really is niced.
            let waiting = try #require(engine.warmPool.waitingPIDs.first)
            #expect(cjail_nice_of_thread(waiting) == BackgroundPriority.launcherNice + BackgroundPriority.niceness)
        }
        let servedBefore = engine.warmPool.served
        // Field 19 of /proc/self/stat is the nice value (the command's name,
        // field 2, has no spaces here).
        let result = try await sh(engine, "cut -d' ' -f19 /proc/self/stat; sh -c 'cut -d\\  -f19 /proc/self/stat'")
        #expect(engine.warmPool.served == servedBefore + 1, "the launch did not use the warm child")
        let launcher = cjail_nice_of_thread(0)
        #expect(result.stdout.text == "\(launcher)\n\(launcher)\n", "stdout: \(result.stdout.text) stderr: \(result.stderr.text)")
    }

    /// Pooled cgroups count limit hits cumulatively; a warm launch reports
    /// only its own (its baseline is taken while its child waits).
    @Test func aWarmLaunchReportsOnlyItsOwnLimitHits() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        let profile = Fixtures.profile(name: "test-warm-pids", limits: ResourceLimits(wallSeconds: 20, processes: 4))
        func run(_ script: String) async throws -> RunResult {
            try await engine.run(LaunchRequest(argv: ["/bin/sh", "-c", script]), profile: profile)
        }
        let forks = "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done 2>/dev/null; kill $(jobs -p) 2>/dev/null; true"
        let first = try await run(forks)
        #expect(first.limitsHit.contains { $0.kind == .processes }, "\(first.limitsHit)")
        for _ in 0..<2 {
            try await waitForWarmChild(engine)
            let servedBefore = engine.warmPool.served
            let quiet = try await run("true")
            #expect(engine.warmPool.served == servedBefore + 1, "the launch did not use a warm child")
            #expect(quiet.limitsHit.isEmpty, "a later run inherited hits: \(quiet.limitsHit)")
        }
        try await waitForWarmChild(engine)
        let again = try await run(forks)
        #expect(again.limitsHit.contains { $0.kind == .processes }, "\(again.limitsHit)")
    }

    /// A waiting child for a command without files of its own is already
    /// sealed: seen from outside, it waits under seccomp, with
    /// no_new_privs and no capabilities. So does one for a command whose
    /// files all go into /run/airlock (the parent writes them into it). One
    /// for a command with files elsewhere waits before any of that (its
    /// files come first).
    @Test func aWarmChildForACommandWithoutFilesWaitsSealed() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        try await warmUp(engine)
        let sealed = try #require(engine.warmPool.waitingPIDs.first)
        let status = try String(contentsOfFile: "/proc/\(sealed)/status", encoding: .utf8)
        #expect(status.contains("Seccomp:\t2"), "\(status)")
        #expect(status.contains("NoNewPrivs:\t1"))
        #expect(status.contains("CapEff:\t0000000000000000"))

        // Served by it: confined as ever, its exec recorded, its limits its own.
        let servedBefore = engine.warmPool.served
        let result = try await sh(engine, "echo x > /etc/owned; mount -t tmpfs none /tmp; ulimit -n; pwd")
        #expect(engine.warmPool.served == servedBefore + 1, "the launch did not use the sealed child")
        #expect(!FileManager.default.fileExists(atPath: "/etc/owned"))
        #expect(result.stdout.text == "\(Fixtures.profile().limits.openFiles)\n/workspace\n", "stdout: \(result.stdout.text) stderr: \(result.stderr.text)")
        #expect(result.recordedSyscalls.contains { $0.name == "execve" && $0.path == "/bin/sh" }, "\(result.recordedSyscalls)")
        #expect(result.deniedSyscalls.contains { $0.name == "mount" }, "\(result.deniedSyscalls)")

        // A command with files outside /run/airlock: its warm child waits unsealed.
        let file = InjectedFile(path: "/workspace/input", contents: Data("t".utf8))
        _ = try await sh(engine, "true", files: [file])
        let unsealed = try await waitingChild(engine, sealed: false)
        let served = engine.warmPool.served
        let withFile = try await sh(engine, "cat /workspace/input", files: [file])
        #expect(engine.warmPool.served == served + 1)
        #expect(withFile.stdout.text == "t", "\(withFile.stderr.text)")
        #expect(kill(unsealed, 0) != 0 || !engine.warmPool.waitingPIDs.contains(unsealed))
    }

    /// A command whose files all go into /run/airlock (a tool call's
    /// credential) takes a sealed child: the parent writes them into the
    /// child's tmpfs there before the go, owned by the sandbox user and
    /// read-only to it like any other file of the root.
    @Test func aCommandWithItsFilesInRunAirlockTakesASealedChild() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        func token(_ text: String) -> InjectedFile { InjectedFile(path: "/run/airlock/token", contents: Data(text.utf8)) }
        _ = try await sh(engine, "true", files: [token("warm-up")])
        let sealed = try await waitingChild(engine, sealed: true)

        let served = engine.warmPool.served
        let result = try await sh(engine, """
            cat /run/airlock/token; echo
            stat -c '%U %a' /run/airlock/token
            echo x > /run/airlock/token 2>/dev/null && echo token-writable
            touch /run/airlock/planted 2>/dev/null && echo folder-writable
            echo x > /rootfile 2>/dev/null && echo root-writable
            true
            """, files: [token("token-two")])
        #expect(engine.warmPool.served == served + 1, "the launch did not use the sealed child")
        #expect(kill(sealed, 0) != 0 || !engine.warmPool.waitingPIDs.contains(sealed))
        #expect(result.exitCode == 0, "\(result.stderr.text)")
        #expect(result.stdout.text == "token-two\nsandbox 400\n", "stdout: \(result.stdout.text) stderr: \(result.stderr.text)")
        #expect(result.manifest.rootFilesystem.contains("file /run/airlock/token (read-only)"), "\(result.manifest.rootFilesystem)")
        #expect(result.manifest.rootFilesystem.contains { $0.hasPrefix("tmpfs /run/airlock ") })
    }

    /// A sealed child changes directory under its own filter: a working
    /// directory that doesn't exist is the same clear refusal as cold.
    @Test func aSealedChildRefusesAMissingWorkingDirectory() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        try await warmUp(engine)
        let servedBefore = engine.warmPool.served
        await #expect {
            try await engine.run(LaunchRequest(argv: ["/bin/true"], workdir: "/no/such/dir"), profile: Self.warmProfile)
        } throws: { error in
            (error as? AirlockError)?.message.contains("cannot enter the working directory /no/such/dir inside the sandbox") == true
        }
        #expect(engine.warmPool.served == servedBefore + 1, "the launch did not use the sealed child")
        let after = try await sh(engine, "pwd")
        #expect(after.stdout.text == "/workspace\n")
    }

    @Test func aWarmChildRunsExactlyOneCommand() async throws {
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }
        try await warmUp(engine)
        let waiting = engine.warmPool.waitingPIDs
        let servedBefore = engine.warmPool.served
        let result = try await sh(engine, "true")
        #expect(result.exitCode == 0)
        // One waiting child served the launch and is gone; no child that
        // is gone is ever offered again. (Another may be gone too: the
        // pool retires children that waited past their idle time, which a
        // loaded host can make happen during the launch.)
        #expect(engine.warmPool.served == servedBefore + 1)
        let gone = waiting.filter { kill($0, 0) != 0 }
        #expect(!gone.isEmpty, "waiting \(waiting), none gone")
        #expect(Set(engine.warmPool.waitingPIDs).isDisjoint(with: gone))
    }

    @Test func stoppingThePoolLeavesNothingRunning() async throws {
        let engine = WarmPoolTesting.engine()
        try await warmUp(engine)
        let waiting = engine.warmPool.waitingPIDs
        engine.killAll()
        #expect(engine.warmPool.waitingPIDs.isEmpty)
        for pid in waiting {
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "warm child \(pid) survived the pool's stop")
        }
    }

    /// A profile nobody launches with again stops being kept warm: its
    /// children are killed once they waited the idle time, and none replaces
    /// them (a daemon would otherwise hold sandboxes for every profile it
    /// ever ran).
    @Test func childrenNobodyTakesAreRetiredAfterTheIdleTime() async throws {
        // Long enough for a niced pool thread on a loaded host to take the
        // demand before it expires.
        let engine = SandboxEngine(options: SandboxEngine.Options(warmIdleSeconds: 4))
        defer { engine.killAll() }
        _ = try await sh(engine, "true")
        var seen: Set<Int32> = []
        let prepared = try await WarmPoolTesting.wait {
            seen.formUnion(engine.warmPool.waitingPIDs)
            return engine.warmPool.prepared > 0
        }
        try #require(prepared, "no warm child was prepared: \(engine.warmPool.status)")
        // Taken off the list first, then killed and reaped.
        let isGone = { (pid: Int32) in kill(pid, 0) == -1 && errno == ESRCH }
        let retired = try await WarmPoolTesting.wait {
            seen.formUnion(engine.warmPool.waitingPIDs)
            return engine.warmPool.waitingPIDs.isEmpty && engine.warmPool.status.contains(" 0 key(s) wanted")
                && seen.allSatisfy(isGone)
        }
        #expect(retired, "children still wait past their idle time: \(engine.warmPool.status); alive: \(seen.filter { !isGone($0) })")
        #expect(engine.warmPool.served == 0)
    }

    @Test func aOneShotEngineKeepsNoWarmChildren() async throws {
        let engine = SandboxEngine(options: SandboxEngine.Options(prewarm: false))
        _ = try await sh(engine, "true")
        _ = try await sh(engine, "true")
        #expect(engine.warmPool.waitingPIDs.isEmpty)
        #expect(engine.warmPool.served == 0)
    }
}
