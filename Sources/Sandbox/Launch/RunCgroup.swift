import AirlockCore
import Foundation

/// A per-run cgroup (v1: one directory per controller; v2: one directory)
/// holding the memory, pids and cpu limits of one launch. The parent writes
/// the child's pid into `procsFiles` before the child starts its setup, so
/// everything the command ever forks is accounted and capped.
final class RunCgroup: @unchecked Sendable {
    let version: HostCapabilities.CgroupVersion
    let controllers: [String]
    /// Directory per controller (v2: the same directory for all).
    private let directories: [String: String]
    var procsFiles: [String] {
        version == .v2 ? [directories.values.first! + "/cgroup.procs"]
            : controllers.compactMap { directories[$0].map { $0 + "/cgroup.procs" } }
    }

    /// CPU bandwidth per sandbox: one core, so one run can't starve the host.
    static let cpuQuotaMicros = 100_000
    static let cpuPeriodMicros = 100_000

    private init(version: HostCapabilities.CgroupVersion, controllers: [String], directories: [String: String]) {
        self.version = version
        self.controllers = controllers
        self.directories = directories
    }

    /// Creates and configures the cgroup, or returns nil when the host has
    /// none Airlock may use (the caller then relies on rlimits alone and says
    /// so in the manifest).
    static func create(host: HostCapabilities, runID: String, limits: ResourceLimits) throws -> RunCgroup? {
        guard let root = host.cgroupRoot, !host.cgroupControllers.isEmpty else { return nil }
        switch host.cgroupVersion {
        case .none: return nil
        case .v1:
            var directories: [String: String] = [:]
            var created: [String] = []
            do {
                for controller in host.cgroupControllers {
                    let parent = "\(root)/\(controller)/airlock"
                    try makeDirectory(parent, allowExisting: true)
                    let dir = "\(parent)/\(runID)"
                    try makeDirectory(dir, allowExisting: false)
                    created.append(dir)
                    directories[controller] = dir
                }
                let group = RunCgroup(version: .v1, controllers: host.cgroupControllers, directories: directories)
                try group.applyV1(limits)
                return group
            } catch {
                for dir in created { rmdir(dir) }
                throw error
            }
        case .v2:
            let parent = "\(root)/airlock"
            try makeDirectory(parent, allowExisting: true)
            let wanted = host.cgroupControllers.map { "+\($0)" }.joined(separator: " ")
            try? write(wanted, to: "\(root)/cgroup.subtree_control")
            try write(wanted, to: "\(parent)/cgroup.subtree_control")
            let dir = "\(parent)/\(runID)"
            try makeDirectory(dir, allowExisting: false)
            let group = RunCgroup(version: .v2, controllers: host.cgroupControllers,
                                  directories: Dictionary(uniqueKeysWithValues: host.cgroupControllers.map { ($0, dir) }))
            do { try group.applyV2(limits) } catch { rmdir(dir); throw error }
            return group
        }
    }

    private func applyV1(_ limits: ResourceLimits) throws {
        if let memory = directories["memory"] {
            try Self.write("\(limits.memoryBytes)", to: memory + "/memory.limit_in_bytes")
            // Swap accounting is optional in v1; when present, cap swap too.
            try? Self.write("\(limits.memoryBytes)", to: memory + "/memory.memsw.limit_in_bytes")
        }
        if let pids = directories["pids"] { try Self.write("\(limits.processes)", to: pids + "/pids.max") }
        if let cpu = directories["cpu"] {
            try Self.write("\(Self.cpuPeriodMicros)", to: cpu + "/cpu.cfs_period_us")
            try Self.write("\(Self.cpuQuotaMicros)", to: cpu + "/cpu.cfs_quota_us")
        }
    }

    private func applyV2(_ limits: ResourceLimits) throws {
        guard let dir = directories.values.first else { return }
        if controllers.contains("memory") {
            try Self.write("\(limits.memoryBytes)", to: dir + "/memory.max")
            try? Self.write("0", to: dir + "/memory.swap.max")
        }
        if controllers.contains("pids") { try Self.write("\(limits.processes)", to: dir + "/pids.max") }
        if controllers.contains("cpu") { try Self.write("\(Self.cpuQuotaMicros) \(Self.cpuPeriodMicros)", to: dir + "/cpu.max") }
    }

    /// What the cgroup saw, read after the run.
    struct Usage {
        var peakMemoryBytes: UInt64?
        var memoryLimitHits: UInt64 = 0
        var oomKills: UInt64 = 0
        var pidsLimitHits: UInt64 = 0
    }

    func usage() -> Usage {
        var usage = Usage()
        if let memory = directories["memory"] {
            if version == .v1 {
                usage.peakMemoryBytes = Self.readNumber(memory + "/memory.max_usage_in_bytes")
                usage.memoryLimitHits = Self.readNumber(memory + "/memory.failcnt") ?? 0
                usage.oomKills = Self.readKeyed(memory + "/memory.oom_control")["oom_kill"] ?? 0
            } else {
                usage.peakMemoryBytes = Self.readNumber(memory + "/memory.peak")
                let events = Self.readKeyed(memory + "/memory.events")
                usage.memoryLimitHits = events["max"] ?? 0
                usage.oomKills = events["oom_kill"] ?? 0
            }
        }
        if let pids = directories["pids"] { usage.pidsLimitHits = Self.readKeyed(pids + "/pids.events")["max"] ?? 0 }
        return usage
    }

    /// Removes the directories. Processes of a dead pid namespace can take a
    /// moment to leave, so removal retries in the background.
    func destroy() {
        let dirs = Array(Set(directories.values))
        if dirs.allSatisfy({ rmdir($0) == 0 || errno == ENOENT }) { return }
        DispatchQueue.global(qos: .utility).async {
            for attempt in 0..<50 {
                if dirs.allSatisfy({ rmdir($0) == 0 || errno == ENOENT }) { return }
                usleep(useconds_t(min(100_000, 1_000 << min(attempt, 7))))
            }
        }
    }

    // MARK: - file helpers

    private static func makeDirectory(_ path: String, allowExisting: Bool) throws {
        if mkdir(path, 0o755) == 0 || (allowExisting && errno == EEXIST) { return }
        throw AirlockError(.setupFailed, "cannot create cgroup \(path): \(String(cString: strerror(errno)))")
    }

    static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AirlockError(.setupFailed, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let ok = text.withCString { Foundation.write(fd, $0, strlen($0)) } >= 0
        guard ok else { throw AirlockError(.setupFailed, "cannot write \(text) to \(path): \(String(cString: strerror(errno)))") }
    }

    private static func readNumber(_ path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func readKeyed(_ path: String) -> [String: UInt64] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}
