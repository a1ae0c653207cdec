import AirlockCore
import Foundation

/// Keeps empty per-run cgroups for reuse. Creating and removing a cgroup
/// costs milliseconds on v1 (the kernel synchronises RCU on rmdir), more
/// than the rest of a launch; an empty cgroup reconfigured for the next run
/// gives the same isolation for the price of a few small writes.
final class CgroupPool: @unchecked Sendable {
    private let host: HostCapabilities
    private let lock = NSLock()
    private var idle: [RunCgroup] = []
    private let maxIdle: Int

    init(host: HostCapabilities, maxIdle: Int = 16) {
        self.host = host
        self.maxIdle = maxIdle
        RunCgroup.removeAbandoned(host: host)
    }

    /// An empty cgroup for one run, or nil when the host offers none. Its
    /// limits are set with `prepare` before the run's command starts.
    ///
    /// A pooled cgroup may still be charged with page cache earlier runs
    /// read (v1 charges it to the cgroup that read it first): one charged
    /// with more than half of `memoryLimit` drops those charges first, or
    /// is replaced by a fresh one, since the kernel refuses (EBUSY) a limit
    /// below what it cannot reclaim. Checked here, where it costs one read,
    /// rather than emptying every cgroup at release, which took a tenth of
    /// the launches a second two launchers manage.
    func take(memoryLimit: UInt64) throws -> RunCgroup? {
        guard host.cgroupVersion != .none, !host.cgroupControllers.isEmpty else { return nil }
        while let reused = lock.withLock({ idle.popLast() }) {
            if let charged = reused.chargedMemoryBytes(), charged > memoryLimit / 2 {
                reused.dropCharges()
                if let still = reused.chargedMemoryBytes(), still > memoryLimit / 2 {
                    reused.destroy()
                    continue
                }
            }
            reused.markReused()
            return reused
        }
        return try RunCgroup.create(host: host, runID: "run-\(getpid())-\(UUID().uuidString.prefix(13).lowercased())")
    }

    /// Returns an empty cgroup to the pool; one with stragglers is removed
    /// (in the background, once they are gone).
    func release(_ group: RunCgroup) {
        if group.isEmpty {
            let kept = lock.withLock { () -> Bool in
                guard idle.count < maxIdle else { return false }
                idle.append(group)
                return true
            }
            if kept { return }
        }
        group.destroy()
    }

    /// Removes every idle cgroup (daemon shutdown).
    func drain() {
        let all = lock.withLock { () -> [RunCgroup] in
            defer { idle.removeAll() }
            return idle
        }
        for group in all { group.destroy() }
    }

    deinit { drain() }
}
