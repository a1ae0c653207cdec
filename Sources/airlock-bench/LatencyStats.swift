import Foundation

/// Latency samples and the percentiles every benchmark reports.
struct LatencyStats {
    private(set) var samples: [Double] = []

    mutating func add(seconds: Double) { samples.append(seconds) }

    /// Runs `body` `count` times after `warmup` untimed runs, recording each.
    static func measure(count: Int, warmup: Int = 5, _ body: () throws -> Void) rethrows -> LatencyStats {
        for _ in 0..<warmup { try body() }
        var stats = LatencyStats()
        stats.samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            stats.add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return stats
    }

    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let sorted = samples.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    var median: Double { percentile(50) }
    var p90: Double { percentile(90) }
    var p99: Double { percentile(99) }
}

/// Formats seconds in the unit that keeps three significant digits readable.
func formatDuration(_ seconds: Double) -> String {
    if seconds < 1e-3 { return String(format: "%.1f µs", seconds * 1e6) }
    if seconds < 1 { return String(format: "%.3f ms", seconds * 1e3) }
    return String(format: "%.3f s", seconds)
}

/// Prints one aligned table row.
func printRow(_ columns: [String], widths: [Int]) {
    var line = ""
    for (i, column) in columns.enumerated() {
        let width = i < widths.count ? widths[i] : 12
        line += column.padding(toLength: max(width, column.count), withPad: " ", startingAt: 0) + "  "
    }
    print(line)
}
