/// One resource limit's allowed range, and how its values are written in
/// messages (the units a profile uses for it).
public struct LimitBound<Value: Comparable & Sendable>: Sendable {
    public let name: String
    public let range: ClosedRange<Value>
    let format: @Sendable (Value) -> String

    /// "must be between 1M and 1T", or nil when `value` is inside.
    public func problem(_ value: Value) -> String? {
        range.contains(value) ? nil : "must be between \(format(range.lowerBound)) and \(format(range.upperBound))"
    }
}

/// The range each resource limit may take, wherever a limit is written (a
/// profile, a tool's overrides, a command-line flag) and again when a launch
/// starts. A limit outside its range is refused with the range in the
/// message, never passed on: the kernel reads the top of each range as
/// "unlimited" (RLIM_INFINITY, a cgroup's max), turns huge values into
/// errors that read like setup failures (pids.max, RLIMIT_NOFILE above
/// fs.nr_open), or refuses a memory limit below what a fresh sandbox
/// already holds; and the parent keeps each output stream in memory.
public enum LimitBounds {
    /// A week. Longer work is not a tool call.
    public static let wall = LimitBound(name: "wall", range: 0.001...604_800, format: ProfileUnits.formatDuration)
    public static let cpu = LimitBound<UInt64>(name: "cpu", range: 1...604_800, format: { "\($0)s" })
    /// From 1 MiB (a shell needs about 256 KiB) to 1 TiB.
    public static let memory = LimitBound<UInt64>(name: "memory", range: (1 << 20)...(1 << 40), format: ProfileUnits.formatSize)
    /// The kernel's PID_MAX_LIMIT.
    public static let processes = LimitBound<UInt64>(name: "processes", range: 1...4_194_304, format: { String($0) })
    /// Per stream, held in memory by the parent until the run ends.
    public static let output = LimitBound<UInt64>(name: "output", range: 1...(256 << 20), format: ProfileUnits.formatSize)
    public static let fileSize = LimitBound<UInt64>(name: "file_size", range: 1...(1 << 40), format: ProfileUnits.formatSize)
    /// The kernel's default fs.nr_open, the most RLIMIT_NOFILE can be.
    public static let openFiles = LimitBound<UInt64>(name: "open_files", range: 1...1_048_576, format: { String($0) })
    /// A tmpfs or workspace: a page at least (0 would mean "no limit" to
    /// the kernel) and at most 1 TiB, like memory.
    public static let tmpfsSize = LimitBound<UInt64>(name: "tmpfs size", range: 4096...(1 << 40), format: ProfileUnits.formatSize)

    /// The first limit of `limits` outside its range, as a sentence that
    /// names it and the range; nil when every limit fits.
    public static func problem(in limits: ResourceLimits) -> String? {
        func check<T>(_ bound: LimitBound<T>, _ value: T) -> String? {
            bound.problem(value).map { "the \(bound.name) limit \(bound.format(value)) \($0)" }
        }
        return check(wall, limits.wallSeconds) ?? check(cpu, limits.cpuSeconds) ?? check(memory, limits.memoryBytes)
            ?? check(processes, limits.processes) ?? check(output, limits.outputBytes)
            ?? check(fileSize, limits.fileSizeBytes) ?? check(openFiles, limits.openFiles)
    }
}
