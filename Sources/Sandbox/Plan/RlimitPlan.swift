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
