import AirlockCore
import ArgumentParser
import Foundation
import Sandbox

/// `airlock-bench sandbox`: launch latency of `/bin/true` for a bare
/// fork+exec, Airlock's in-process launch, `airlock exec`, and bubblewrap
/// with an equivalent confinement line, all in the same run; then sustained
/// launches per second with concurrent launchers. Prints ratios against the
/// baselines, because only ratios survive a noisy shared machine.
struct SandboxBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Launch latency and throughput vs bare fork+exec and bwrap.")

    @Option(help: "Launches per variant.")
    var iterations = 200

    @Option(help: "Seconds per throughput measurement.")
    var seconds = 3.0

    @Option(help: "Slices each throughput measurement is cut into; Airlock's and bwrap's slices alternate.")
    var slices = 6

    @Option(help: "Concurrent launchers for the throughput measurement.")
    var concurrency = 2

    @Option(help: "Profile for Airlock's launches.")
    var profile = "strict"

    func run() throws {
        let resolved = try ProfileCatalog.shipped().resolve(name: profile)
        let engine = SandboxEngine()
        let request = LaunchRequest(argv: ["/bin/true"])
        let airlock = Spawner.sibling("airlock")
        let bwrap = Spawner.which("bwrap")

        let launch: @Sendable () throws -> Void = {
            let result = try engine.runBlocking(request, profile: resolved)
            guard result.exitCode == 0 else { throw AirlockError(.internalError, "/bin/true failed in the sandbox") }
        }
        var variants: [(String, () throws -> Void)] = [
            ("bare fork+exec", { try Spawner.run(["/bin/true"]) }),
            ("airlock in-process (\(profile))", launch),
            ("airlock exec --profile \(profile)", { try Spawner.run([airlock, "exec", "--profile", profile, "--", "/bin/true"]) }),
        ]
        if let bwrap { variants.append(("bwrap (equivalent line)", { try Spawner.run([bwrap] + Self.bwrapLine + ["/bin/true"]) })) }

        print(Self.frontEndCheck(airlock: airlock, profile: profile))
        print("Launch latency of /bin/true, \(iterations) launches each (same run, interleaved in rounds)")
        let stats = try interleaved(variants, iterations: iterations)
        printRow(["variant", "median", "p90", "× bare", "× bwrap"], widths: [34, 10, 10, 8, 8])
        let bare = stats[0].median
        let bw = bwrap != nil ? stats[3].median : .nan
        for (i, (name, _)) in variants.enumerated() {
            printRow([name, formatDuration(stats[i].median), formatDuration(stats[i].p90),
                      String(format: "%.2f", stats[i].median / bare), bwrap != nil ? String(format: "%.2f", stats[i].median / bw) : "n/a"],
                     widths: [34, 10, 10, 8, 8])
        }
        if bwrap == nil { print("bwrap not installed: install the bubblewrap package to compare") }
        print("targets: in-process ≤ 2.0× bare and ≤ 0.5× bwrap; airlock exec ≤ 0.9× bwrap")

        print("\nSustained launches/s with \(concurrency) concurrent launchers, \(seconds)s each (in \(slices) alternating slices)")
        var contenders: [@Sendable () throws -> Void] = [launch]
        if let bwrap { contenders.append { try Spawner.run([bwrap] + Self.bwrapLine + ["/bin/true"]) } }
        let rates = try alternatingThroughput(contenders)
        print(String(format: "  airlock in-process: %.0f/s", rates[0]))
        if bwrap != nil {
            print(String(format: "  bwrap:              %.0f/s   ratio %.2f× (target ≥ 2×)", rates[1], rates[0] / rates[1]))
        }
    }

    /// Whether `airlock exec` runs from a launch image here (the C front
    /// end), or every launch goes through the Swift CLI: asked twice with
    /// the trace on (the first saves the image for these options).
    static func frontEndCheck(airlock: String, profile: String) -> String {
        let argv = [airlock, "exec", "--profile", profile, "--", "/bin/true"]
        _ = try? Spawner.output(argv, extraEnvironment: ["AIRLOCK_TRACE=1"])
        let trace = (try? Spawner.output(argv, extraEnvironment: ["AIRLOCK_TRACE=1"])) ?? ""
        if trace.contains("front end: running from launch image") {
            return "airlock exec: the front end runs it from a launch image (the first launch of these options saved it)"
        }
        let reason = trace.split(separator: "\n").first { $0.contains("front end:") } ?? "no trace"
        return "airlock exec: NOT from a launch image here (\(reason)); every launch goes through airlock-cli"
    }

    /// bwrap with the confinement closest to the strict profile.
    static let bwrapLine = [
        "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/workspace", "--chdir", "/workspace",
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--unshare-user", "--disable-userns", "--",
    ]

    /// Rounds of one launch per variant, so drift in machine load hits all alike.
    private func interleaved(_ variants: [(String, () throws -> Void)], iterations: Int) throws -> [LatencyStats] {
        var stats = Array(repeating: LatencyStats(), count: variants.count)
        for _ in 0..<5 { for (_, body) in variants { try body() } }
        for _ in 0..<iterations {
            for (i, (_, body)) in variants.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                stats[i].add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return stats
    }

    /// Mean launches/s of each contender over `slices` rounds, one slice
    /// each per round: a change in the machine's load lands on all of them,
    /// not on whichever happened to run second.
    private func alternatingThroughput(_ contenders: [@Sendable () throws -> Void]) throws -> [Double] {
        let rounds = max(1, slices)
        var sums = Array(repeating: 0.0, count: contenders.count)
        for _ in 0..<rounds {
            for (i, body) in contenders.enumerated() {
                sums[i] += try Throughput.onThreads(concurrency: concurrency, seconds: seconds / Double(rounds)) { body }
            }
        }
        return sums.map { $0 / Double(rounds) }
    }
}

/// posix_spawn + wait, the baseline way to start a process.
enum Spawner {
    /// PATH, and HOME where there is one (a user's launch images live
    /// under it).
    static let environment: [String] = ["PATH=/usr/bin:/bin"] + (getenv("HOME").map { ["HOME=" + String(cString: $0)] } ?? [])

    static func run(_ argv: [String]) throws {
        try spawn(argv, extraEnvironment: [], stderrTo: nil)
    }

    /// Runs `argv` and returns what it wrote to stderr.
    static func output(_ argv: [String], extraEnvironment: [String]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-bench-\(getpid()).stderr").path
        defer { unlink(file) }
        try spawn(argv, extraEnvironment: extraEnvironment, stderrTo: file)
        return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    }

    private static func spawn(_ argv: [String], extraEnvironment: [String], stderrTo file: String?) throws {
        var pid: pid_t = 0
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var env: [UnsafeMutablePointer<CChar>?] = (environment + extraEnvironment).map { strdup($0) } + [nil]
        defer { for p in env { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        if let file { posix_spawn_file_actions_addopen(&actions, 2, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, &env)
        guard rc == 0 else { throw AirlockError(.internalError, "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw AirlockError(.internalError, "\(argv.joined(separator: " ")) exited with status \(status)") }
    }

    /// An executable built next to this one (`airlock` beside `airlock-bench`).
    static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    static func which(_ name: String) -> String? {
        ["/usr/bin", "/bin", "/usr/local/bin"].map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
