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
    public static let wallSeconds: ClosedRange<Double> = 0.001...604_800
    public static let cpuSeconds: ClosedRange<UInt64> = 1...604_800
    /// From 1 MiB (a shell needs about 256 KiB) to 1 TiB.
    public static let memoryBytes: ClosedRange<UInt64> = (1 << 20)...(1 << 40)
    /// The kernel's PID_MAX_LIMIT.
    public static let processes: ClosedRange<UInt64> = 1...4_194_304
    /// Per stream, held in memory by the parent until the run ends.
    public static let outputBytes: ClosedRange<UInt64> = 1...(256 << 20)
    public static let fileSizeBytes: ClosedRange<UInt64> = 1...(1 << 40)
    /// The kernel's default fs.nr_open, the most RLIMIT_NOFILE can be.
    public static let openFiles: ClosedRange<UInt64> = 1...1_048_576

    /// The first limit of `limits` outside its range, as a sentence that
    /// names it and the range; nil when every limit fits.
    public static func problem(in limits: ResourceLimits) -> String? {
        let duration = ProfileUnits.formatDuration, size = ProfileUnits.formatSize
        let count = { (value: UInt64) in String(value) }
        let seconds = { (value: UInt64) in "\(value)s" }
        return check("wall", limits.wallSeconds, wallSeconds, duration)
            ?? check("cpu", limits.cpuSeconds, cpuSeconds, seconds)
            ?? check("memory", limits.memoryBytes, memoryBytes, size)
            ?? check("processes", limits.processes, processes, count)
            ?? check("output", limits.outputBytes, outputBytes, size)
            ?? check("file_size", limits.fileSizeBytes, fileSizeBytes, size)
            ?? check("open_files", limits.openFiles, openFiles, count)
    }

    /// "must be between 1M and 1T", in the units the limit is written in.
    public static func allowed<T>(_ range: ClosedRange<T>, _ format: (T) -> String) -> String {
        "must be between \(format(range.lowerBound)) and \(format(range.upperBound))"
    }

    private static func check<T>(_ name: String, _ value: T, _ range: ClosedRange<T>, _ format: (T) -> String) -> String? {
        range.contains(value) ? nil : "the \(name) limit \(format(value)) \(allowed(range, format))"
    }
}
