import CJail
import Foundation

/// The rlimits a launch puts in force (always, cgroup or not): what the
/// child applies, and what the manifest reports.
struct RlimitPlan {
    struct Entry {
        let resource: Int32
        let name: String
        let soft: UInt64
        let hard: UInt64
    }

    let entries: [Entry]
    /// No memory cgroup holds the memory limit: RLIMIT_AS stands in.
    let usesRlimitForMemory: Bool

    /// Enough for any program's own signalling; a small share of a host
    /// user's default (about 96k here).
    static let pendingSignals: UInt64 = 1024
    /// POSIX message queues, in bytes (the kernel's per-user default is 800 KiB).
    static let messageQueueBytes: UInt64 = 256 << 10

    init(limits: ResourceLimits, cgroup: RunCgroup?) {
        usesRlimitForMemory = !(cgroup?.controllers.contains("memory") ?? false)
        // With a pids cgroup in force, the cgroup must be what refuses a
        // fork (it counts refusals; RLIMIT_NPROC fails silently first otherwise).
        let nprocLimit = limits.processes + (cgroup?.controllers.contains("pids") == true ? 1 : 0)
        var entries = [
            Entry(resource: Int32(RLIMIT_CPU.rawValue), name: "cpu_time", soft: limits.cpuSeconds, hard: limits.cpuSeconds + 1),
            Entry(resource: Int32(CJAIL_RLIMIT_NPROC), name: "processes", soft: nprocLimit, hard: nprocLimit),
            Entry(resource: Int32(RLIMIT_FSIZE.rawValue), name: "file_size", soft: limits.fileSizeBytes, hard: limits.fileSizeBytes),
            Entry(resource: Int32(RLIMIT_NOFILE.rawValue), name: "open_files", soft: limits.openFiles, hard: limits.openFiles),
            Entry(resource: Int32(RLIMIT_CORE.rawValue), name: "core", soft: 0, hard: 0),
            // Queued signals and POSIX message-queue bytes are counted per
            // user up the user-namespace chain, so a sandbox's count lands
            // on the host user that made its namespace (root, for the
            // daemon): unbounded, one sandbox could exhaust root's quota
            // and make the host's own timer_create and sigqueue fail.
            Entry(resource: Int32(CJAIL_RLIMIT_SIGPENDING), name: "pending_signals",
                  soft: Self.pendingSignals, hard: Self.pendingSignals),
            Entry(resource: Int32(CJAIL_RLIMIT_MSGQUEUE), name: "message_queue_bytes",
                  soft: Self.messageQueueBytes, hard: Self.messageQueueBytes),
        ]
        if usesRlimitForMemory {
            entries.append(Entry(resource: Int32(RLIMIT_AS.rawValue), name: "memory", soft: limits.memoryBytes, hard: limits.memoryBytes))
        }
        self.entries = entries
    }

    var inForce: [String: UInt64] { Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.soft) }) }

    func cArray(arena: CArena) -> UnsafeMutablePointer<cjail_rlimit> {
        arena.array(entries.map { cjail_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) })
    }
}
