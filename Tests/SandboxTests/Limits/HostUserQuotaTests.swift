import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Some kernel quotas are counted per user up the user-namespace chain: what
/// a sandbox uses is charged to the host user that made its namespace (root,
/// for the daemon). A sandbox must not be able to take that user's quota.
@Suite("Host user quotas", .timeLimit(.minutes(2)))
struct HostUserQuotaTests {
    /// Queued signals: the sandbox queues until refused and holds them;
    /// meanwhile the host (root, like the daemon) can still create a timer,
    /// which needs a queued-signal slot of its own.
    @Test func aSandboxHoldingQueuedSignalsLeavesTheHostItsOwn() async throws {
        let launch = AttackTool.request(["sigqueue_hold", "30"])
        let strict = try ProfileCatalog.shipped().resolve(name: "strict")
        let task = Task { try await Fixtures.engine.run(launch, profile: strict) }
        let holder = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.waitForFullQueue()) }
        }
        var timer: timer_t?
        let created = timer_create(CLOCK_MONOTONIC, nil, &timer)
        let error = errno
        if created == 0 { timer_delete(timer) }
        task.cancel()
        let result = try await task.value
        let line = AttackOutcome(result: result).line("sigqueue_hold")

        #expect(holder != nil, "the sandbox never filled its signal queue")
        #expect(created == 0, "host timer_create failed while the sandbox held its signals: errno \(error)")
        let queued = line?.fields["queued"].flatMap { Int($0) } ?? -1
        #expect(queued > 0 && queued <= Int(RlimitPlan.pendingSignals), "queued \(queued): \(line?.raw ?? "no line")")
        #expect(line?.fields["errno"] == "EAGAIN")
        #expect(result.manifest.limits["pending_signals"] == RlimitPlan.pendingSignals, "\(result.manifest.limits)")
        #expect(result.manifest.limits["message_queue_bytes"] == RlimitPlan.messageQueueBytes)
    }

    /// The sandbox's process with its queue full: `SigQ: queued/limit` in
    /// its status reaches the limit the sandbox runs under.
    static func waitForFullQueue() -> Int32? {
        guard let entry = HostProcesses.waitFor("sigqueue_hold", seconds: 60)?.first else { return nil }
        for _ in 0..<3000 {
            let status = (try? String(contentsOfFile: "/proc/\(entry.pid)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigQ:") }) {
                let parts = line.dropFirst(5).trimmingCharacters(in: .whitespaces).split(separator: "/").compactMap { Int($0) }
                if parts.count == 2, parts[0] > 0, parts[0] >= parts[1] - 1 { return entry.pid }
            }
            usleep(20_000)
        }
        return nil
    }

    /// inotify instances are a per-user quota too, and a watch on /usr or
    /// /dev (the host's own inodes) would see what the host runs: no
    /// shipped profile allows it.
    @Test(arguments: ["strict", "shell", "network"])
    func noShippedProfileCanWatchFiles(_ name: String) throws {
        let profile = try ProfileCatalog.shipped().resolve(name: name)
        let inotify = try #require(SyscallTable.number(of: "inotify_init1"))
        #expect(!profile.seccomp.allow.contains("inotify_init1"))
        let outcome = try AttackTool.run(["raw", "\(inotify),0"], profile: profile)
        #expect(outcome.line("raw_\(inotify)")?.errno == "ENOSYS", "\(outcome.outcome("raw_\(inotify)"))")
    }
}
