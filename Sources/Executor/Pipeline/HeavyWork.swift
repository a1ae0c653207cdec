import AirlockCore

/// Where the CPU-heavy handling of a large output runs. A call's task may
/// run on a transport's I/O thread (the daemon runs calls on their
/// connection's event loop); masking, digesting and encoding a megabyte
/// there would stall every other connection on that loop, so big outputs
/// are handled on the global concurrent executor instead. Small ones stay
/// put: a hop costs more than the work.
public enum HeavyWork {
    /// Output bytes (stdout + stderr) above which handling moves off the
    /// calling executor.
    public static let outputThreshold: UInt64 = 64 << 10

    public static func isHeavy(_ result: RunResult) -> Bool {
        result.stdout.totalBytes + result.stderr.totalBytes > outputThreshold
    }

    public static func run<T: Sendable>(if heavy: Bool, _ work: @Sendable () async throws -> T) async rethrows -> T {
        guard heavy else { return try await work() }
        return try await withTaskExecutorPreference(globalConcurrentExecutor) { try await work() }
    }
}
