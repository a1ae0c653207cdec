import AirlockCore
import Foundation

/// A per-run cgroup (v1: one directory per controller; v2: one directory)
/// holding the memory, pids and cpu limits of one launch. The child joins it
/// (v1: by itself; v2: the parent moves it) before it starts its setup, so
/// everything the command ever forks is accounted and capped.
final class RunCgroup: @unchecked Sendable {
    let version: HostCapabilities.CgroupVersion
    let controllers: [String]
    /// Directory per controller (v2: the same directory for all).
    private let directories: [String: String]
    /// The counters, read on every run.
    private let counters = CgroupCounterFiles()
    /// What the child writes "0" into to join by itself (v1's `tasks`:
    /// moving the calling thread takes no global lock), and what the parent
    /// writes its pid into (v2's `cgroup.procs`).
    var selfJoinFiles: [String] { version == .v1 ? distinctDirectories.map { $0 + "/tasks" } : [] }
    var parentJoinFiles: [String] { version == .v2 ? procsFiles : [] }

    var procsFiles: [String] {
        version == .v2 ? [directories.values.first! + "/cgroup.procs"] : distinctDirectories.map { $0 + "/cgroup.procs" }
    }

    /// The run's directories in controller order, each once: v1 hosts often
    /// mount controllers together (`cpu,cpuacct`), and then two controllers
    /// share one directory, joined once.
    private var distinctDirectories: [String] {
        var seen = Set<String>()
        return controllers.compactMap { directories[$0] }.filter { seen.insert($0).inserted }
    }

    /// CPU bandwidth per sandbox: one core, so one run can't starve the host.
    static let cpuQuotaMicros = 100_000
    static let cpuPeriodMicros = 100_000

    private init(version: HostCapabilities.CgroupVersion, controllers: [String], directories: [String: String]) {
        self.version = version
        self.controllers = controllers
        self.directories = directories
        counterSources = Self.counterSources(version: version, controllers: controllers, directories: directories)
    }

    /// Counters at the start of the current run (cumulative files can't be
    /// reset, and a pooled cgroup serves many runs).
    private var baseline = Usage()
    /// Whether this cgroup served an earlier run (its peak is then unknown).
    private(set) var reused = false
    /// The limits last written (a pooled cgroup often serves the same
    /// limits again: the writes are skipped then).
    private var applied: (memoryBytes: UInt64, processes: UInt64)?

    /// Configures the cgroup for one run: limits, and counters zeroed or
    /// remembered as the baseline.
    func prepare(_ limits: ResourceLimits) throws {
        if applied == nil || applied! != (limits.memoryBytes, limits.processes) {
            applied = nil
            try apply(limits)
            applied = (limits.memoryBytes, limits.processes)
        }
        if !countersReady { resetCounters() }
        countersReady = false
    }

    /// Starts the counters of the next run: the peak zeroed (v1), the
    /// cumulative counters remembered as the baseline. The warm pool does
    /// this once its child waits (using nothing), off the launch's path.
    func resetCounters() {
        if version == .v1, let memory = directories["memory"] {
            // A peak that could not be zeroed is an earlier run's: the
            // result then says the peak is unknown rather than report it.
            peakWasReset = (try? counters.write("0", to: memory + "/memory.max_usage_in_bytes")) != nil
        }
        baseline = Usage()
        baseline = rawUsage()
        countersReady = true
    }

    /// `resetCounters` ran since the last run began.
    private var countersReady = false
    /// v1's peak was zeroed for the current run.
    private var peakWasReset = true

    /// True when no process is left in it (so it can serve another run).
    /// One member list says it: a process joins the controllers' cgroups
    /// in order (v1), and its descendants are born into every one it
    /// joined, so nothing is in a later hierarchy and not in the first.
    var isEmpty: Bool {
        guard let first = procsFiles.first else { return true }
        return Self.readSmall(first).map { $0.allSatisfy(\.isWhitespace) } ?? false
    }

    func markReused() { reused = true }

    /// The memory still charged to this cgroup (nil without the controller).
    func chargedMemoryBytes() -> UInt64? {
        guard let memory = directories["memory"] else { return nil }
        return Self.number(Self.readSmall(memory + (version == .v1 ? "/memory.usage_in_bytes" : "/memory.current")))
    }

    /// Drops what earlier runs left charged to this empty cgroup (v1:
    /// `memory.force_empty`; v2 moves such charges to the parent itself
    /// only on removal, so a v2 cgroup that stays charged is replaced).
    func dropCharges() {
        guard version == .v1, let memory = directories["memory"] else { return }
        try? Self.write("0", to: memory + "/memory.force_empty")
    }

    /// Creates the cgroup, or returns nil when the host has none Airlock may
    /// use (the caller then relies on rlimits alone and says so in the
    /// manifest). Call `prepare` before each run.
    static func create(host: HostCapabilities, runID: String) throws -> RunCgroup? {
        guard let root = host.cgroupRoot, !host.cgroupControllers.isEmpty else { return nil }
        switch host.cgroupVersion {
        case .none: return nil
        case .v1:
            var directories: [String: String] = [:]
            var created: [String] = []
            // Controllers mounted together (cpu and cpuacct as links to
            // `cpu,cpuacct`) are one hierarchy: one directory serves both.
            var byHierarchy: [String: String] = [:]
            do {
                for controller in host.cgroupControllers {
                    let hierarchy = Self.resolved("\(root)/\(controller)")
                    if let shared = byHierarchy[hierarchy] {
                        directories[controller] = shared
                        continue
                    }
                    let parent = "\(root)/\(controller)/airlock"
                    try makeDirectory(parent, allowExisting: true)
                    let dir = "\(parent)/\(runID)"
                    try makeDirectory(dir, allowExisting: false)
                    created.append(dir)
                    directories[controller] = dir
                    byHierarchy[hierarchy] = dir
                }
                return RunCgroup(version: .v1, controllers: host.cgroupControllers, directories: directories)
            } catch {
                for dir in created { rmdir(dir) }
                throw error
            }
        case .v2:
            let parent = "\(root)/airlock"
            try makeDirectory(parent, allowExisting: true)
            let wanted = host.cgroupControllers.map { "+\($0)" }.joined(separator: " ")
            // The root may refuse (a delegated subtree, controllers enabled
            // already by its owner): only the parent's write decides, and
            // when it fails the root's refusal is the reason to report.
            var rootRefusal: Error?
            do { try write(wanted, to: "\(root)/cgroup.subtree_control") } catch { rootRefusal = error }
            do {
                try write(wanted, to: "\(parent)/cgroup.subtree_control")
            } catch {
                guard let rootRefusal else { throw error }
                throw AirlockError(.unsupportedProtection,
                    "cannot enable the \(wanted) controllers for Airlock's cgroups: \(rootRefusal); enable them in "
                        + "\(root)/cgroup.subtree_control (see `airlock doctor`)")
            }
            let dir = "\(parent)/\(runID)"
            try makeDirectory(dir, allowExisting: false)
            return RunCgroup(version: .v2, controllers: host.cgroupControllers,
                             directories: Dictionary(uniqueKeysWithValues: host.cgroupControllers.map { ($0, dir) }))
        }
    }

    /// One limit written into the run's cgroup: `file` in the folder of `controller`.
    struct LimitWrite: Equatable {
        var controller: String
        var file: String
        var value: String
    }

    /// The writes that set `limits`, in the order they must happen. A
    /// `fresh` cgroup has no limit yet (what a launch image's front end
    /// makes); otherwise the memory limit in force decides the order.
    func limitWrites(_ limits: ResourceLimits, fresh: Bool = false) -> [LimitWrite] {
        var writes: [LimitWrite] = []
        if version == .v1 {
            if let memory = directories["memory"] {
                // v1 keeps memory ≤ memory+swap at every instant, so raise the
                // swap-inclusive limit first and lower it last. Swap accounting
                // is optional in v1; when present, swap is capped too.
                let hasSwapAccounting = FileManager.default.fileExists(atPath: memory + "/memory.memsw.limit_in_bytes")
                let current = fresh ? UInt64.max : Self.number(Self.readSmall(memory + "/memory.limit_in_bytes")) ?? 0
                let memsw = LimitWrite(controller: "memory", file: "memory.memsw.limit_in_bytes", value: "\(limits.memoryBytes)")
                if hasSwapAccounting && limits.memoryBytes > current { writes.append(memsw) }
                writes.append(LimitWrite(controller: "memory", file: "memory.limit_in_bytes", value: "\(limits.memoryBytes)"))
                if hasSwapAccounting && limits.memoryBytes <= current { writes.append(memsw) }
            }
            if directories["pids"] != nil { writes.append(LimitWrite(controller: "pids", file: "pids.max", value: "\(limits.processes)")) }
            if directories["cpu"] != nil {
                writes.append(LimitWrite(controller: "cpu", file: "cpu.cfs_period_us", value: "\(Self.cpuPeriodMicros)"))
                writes.append(LimitWrite(controller: "cpu", file: "cpu.cfs_quota_us", value: "\(Self.cpuQuotaMicros)"))
            }
            return writes
        }
        if let memory = directories["memory"] {
            writes.append(LimitWrite(controller: "memory", file: "memory.max", value: "\(limits.memoryBytes)"))
            // Where swap accounting exists, swap is capped too; a failed write
            // must not leave it uncapped.
            if FileManager.default.fileExists(atPath: memory + "/memory.swap.max") {
                writes.append(LimitWrite(controller: "memory", file: "memory.swap.max", value: "0"))
            }
        }
        if directories["pids"] != nil { writes.append(LimitWrite(controller: "pids", file: "pids.max", value: "\(limits.processes)")) }
        if directories["cpu"] != nil {
            writes.append(LimitWrite(controller: "cpu", file: "cpu.max", value: "\(Self.cpuQuotaMicros) \(Self.cpuPeriodMicros)"))
        }
        return writes
    }

    private func apply(_ limits: ResourceLimits) throws {
        for write in limitWrites(limits) {
            guard let folder = directories[write.controller] else { continue }
            try Self.write(write.value, to: folder + "/" + write.file)
        }
    }

    /// Where one of `Usage`'s counters is read: the first number of `file`
    /// in the folder of `controller`, or the number after `key` on a
    /// "key value" line, times `scale`.
    struct CounterSource: Equatable {
        enum Kind: Int32 {
            case peakMemory = 1, memoryLimitHits, oomKills, pidsLimitHits, cpuNanoseconds
        }
        var kind: Kind
        var controller: String
        var file: String
        var key: String?
        var scale: UInt64 = 1
    }

    /// Every counter this cgroup has, and where it is read (also what a
    /// launch image's front end reads).
    let counterSources: [CounterSource]

    private static func counterSources(version: HostCapabilities.CgroupVersion, controllers: [String],
                                       directories: [String: String]) -> [CounterSource] {
        var sources: [CounterSource] = []
        if version == .v1 {
            if directories["memory"] != nil {
                sources.append(CounterSource(kind: .peakMemory, controller: "memory", file: "memory.max_usage_in_bytes"))
                sources.append(CounterSource(kind: .memoryLimitHits, controller: "memory", file: "memory.failcnt"))
                sources.append(CounterSource(kind: .oomKills, controller: "memory", file: "memory.oom_control", key: "oom_kill"))
            }
            if directories["pids"] != nil {
                sources.append(CounterSource(kind: .pidsLimitHits, controller: "pids", file: "pids.events", key: "max"))
            }
            if directories["cpuacct"] != nil {
                sources.append(CounterSource(kind: .cpuNanoseconds, controller: "cpuacct", file: "cpuacct.usage"))
            }
            return sources
        }
        if directories["memory"] != nil {
            sources.append(CounterSource(kind: .peakMemory, controller: "memory", file: "memory.peak"))
            sources.append(CounterSource(kind: .memoryLimitHits, controller: "memory", file: "memory.events", key: "max"))
            sources.append(CounterSource(kind: .oomKills, controller: "memory", file: "memory.events", key: "oom_kill"))
        }
        if directories["pids"] != nil {
            sources.append(CounterSource(kind: .pidsLimitHits, controller: "pids", file: "pids.events", key: "max"))
        }
        // v2 counts CPU time in every cgroup, whichever controllers it has.
        if let any = controllers.first {
            sources.append(CounterSource(kind: .cpuNanoseconds, controller: any, file: "cpu.stat", key: "usage_usec", scale: 1000))
        }
        return sources
    }

    private func counter(_ source: CounterSource) -> UInt64? {
        guard let folder = directories[source.controller] else { return nil }
        let text = counters.read(folder + "/" + source.file)
        let value = source.key.map { Self.value(of: $0, in: text) } ?? Self.number(text)
        return value.map { $0 &* source.scale }
    }

    /// The run's folders, each once, with the controllers it serves (for a
    /// launch image's recipe: the front end makes one folder per entry).
    var folders: [(directory: String, controllers: [String])] {
        distinctDirectories.map { folder in (folder, controllers.filter { directories[$0] == folder }) }
    }

    /// What the cgroup saw, read after the run.
    struct Usage {
        var peakMemoryBytes: UInt64?
        var memoryLimitHits: UInt64 = 0
        var oomKills: UInt64 = 0
        var pidsLimitHits: UInt64 = 0
        var cpuNanoseconds: UInt64 = 0
    }

    /// Whether the cgroup counts the CPU time of all its processes
    /// together (v1 with cpuacct; v2 always, in `cpu.stat`).
    var countsCPU: Bool { version == .v2 || directories["cpuacct"] != nil }

    /// The CPU time the run's processes have used so far, together (nil when
    /// the cgroup does not count it). The supervisor reads it while the run
    /// lasts: RLIMIT_CPU holds each process alone, so only this catches a
    /// run that spreads its work over many processes.
    func cpuNanosecondsUsed() -> UInt64? {
        guard countsCPU, let used = rawCPUNanoseconds() else { return nil }
        return used - min(used, baseline.cpuNanoseconds)
    }

    private func rawCPUNanoseconds() -> UInt64? {
        counterSources.first { $0.kind == .cpuNanoseconds }.flatMap(counter)
    }

    func usage() -> Usage {
        var usage = rawUsage()
        usage.memoryLimitHits -= min(usage.memoryLimitHits, baseline.memoryLimitHits)
        usage.cpuNanoseconds -= min(usage.cpuNanoseconds, baseline.cpuNanoseconds)
        usage.oomKills -= min(usage.oomKills, baseline.oomKills)
        usage.pidsLimitHits -= min(usage.pidsLimitHits, baseline.pidsLimitHits)
        // v2's memory.peak can't be reset: after reuse it is not this run's;
        // nor is v1's if zeroing it failed.
        if (version == .v2 && reused) || (version == .v1 && !peakWasReset) { usage.peakMemoryBytes = nil }
        return usage
    }

    private func rawUsage() -> Usage {
        var usage = Usage()
        for source in counterSources {
            let value = counter(source)
            switch source.kind {
            case .peakMemory: usage.peakMemoryBytes = value
            case .memoryLimitHits: usage.memoryLimitHits = value ?? 0
            case .oomKills: usage.oomKills = value ?? 0
            case .pidsLimitHits: usage.pidsLimitHits = value ?? 0
            case .cpuNanoseconds: usage.cpuNanoseconds = value ?? 0
            }
        }
        return usage
    }

    /// Removes the directories. Processes of a dead pid namespace can take a
    /// moment to leave, so removal retries in the background.
    func destroy() {
        counters.closeAll()
        let dirs = Array(Set(directories.values))
        if dirs.allSatisfy({ rmdir($0) == 0 || errno == ENOENT }) { return }
        DispatchQueue.global(qos: .utility).async {
            for attempt in 0..<50 {
                if dirs.allSatisfy({ rmdir($0) == 0 || errno == ENOENT }) { return }
                usleep(useconds_t(min(100_000, 1_000 << min(attempt, 7))))
            }
        }
    }

    /// Removes per-run cgroups left by a process that ended without draining
    /// its pool. Names carry the owner's pid (`run-PID-…`); only those of
    /// dead owners are touched, and rmdir refuses any that still holds a
    /// process.
    static func removeAbandoned(host: HostCapabilities) {
        guard let root = host.cgroupRoot else { return }
        let parents = host.cgroupVersion == .v2 ? ["\(root)/airlock"] : host.cgroupControllers.map { "\(root)/\($0)/airlock" }
        for parent in parents {
            for entry in entries(of: parent) where entry.hasPrefix("run-") {
                let owner = entry.split(separator: "-").dropFirst().first.flatMap { Int32($0) }
                if let owner, kill(owner, 0) == 0 || errno != ESRCH { continue }
                rmdir("\(parent)/\(entry)")
            }
        }
    }

    /// A folder's entry names, read with readdir: this runs at every start
    /// of `airlock exec`, where Foundation's directory listing costs more
    /// than everything else here.
    private static func entries(of folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = String(cString: nameOf(entry))
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Where an entry's name starts. readdir's records are only `d_reclen`
    /// bytes long: reading `pointee.d_name` as a value would copy all 256
    /// bytes the struct declares, past the end of a record that sits last
    /// in glibc's buffer (the bug that crashes Foundation's Process.run,
    /// swift-corelibs-foundation PR #5472). The name is read in place, up
    /// to its NUL.
    private static func nameOf(_ entry: UnsafeMutablePointer<dirent>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(entry).advanced(by: MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
            .assumingMemoryBound(to: CChar.self)
    }

    // MARK: - file helpers

    /// `path` with its symlinks resolved (itself when it can't be).
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

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

    /// A small control file's text (cgroup files are one page at most),
    /// for the files not kept open in `counters`.
    private static func readSmall(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// The number on a single-value file's line. Read on the UTF-8 bytes:
    /// every run reads a few of these twice.
    private static func number(_ text: String?) -> UInt64? {
        text?.utf8.split(separator: UInt8(ascii: "\n")).first.flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
    }

    /// The value of `key` in a flat keyed file ("name value" per line),
    /// found without building a table of every line (v1's memory files
    /// have dozens).
    private static func value(of key: String, in text: String?) -> UInt64? {
        guard let text else { return nil }
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let parts = line.split(separator: UInt8(ascii: " "))
            if parts.count == 2, parts[0].elementsEqual(key.utf8) { return UInt64(String(decoding: parts[1], as: UTF8.self)) }
        }
        return nil
    }
}
