import AirlockCore
import AirlockServer
import ArgumentParser
import Executor
import Foundation
import Sandbox

/// `airlock-bench daemon`: what the agent socket adds on top of launching
/// the same command in-process.
///
/// Both sides run `run_shell`'s argv (`/bin/sh -c -- true`) under the
/// shipped `shell` profile through the same `ToolRunner`, in the same run: once by calling the runner directly
/// (the in-process launch), once as MCP `tools/call` round trips over a Unix
/// socket to an `AgentServer` in this process (framing, JSON, peer identity,
/// schema validation, the pipeline, result encoding). The pipeline's policy,
/// credential and audit steps are no-op allow-alls *for this benchmark only*,
/// so that the number is the daemon's own overhead; their costs are measured
/// by their modules' benchmarks.
struct DaemonBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "tools/call round-trip latency and throughput vs the in-process launch.")

    @Option(help: "Round trips measured for latency.")
    var calls = 500

    @Option(help: "Concurrent clients (and concurrent in-process launches) for throughput.")
    var concurrency = 4

    @Option(help: "Seconds each throughput run lasts.")
    var seconds = 5.0

    @Option(help: "Launcher: 'sandbox' (the engine, shipped 'shell' profile) or 'spawn' (posix_spawn, unconfined: the floor).")
    var runner = "sandbox"

    func run() async throws {
        let launcher: any ToolRunner & ProfileSource
        switch runner {
        case "sandbox": launcher = try SandboxToolRunner.loading(profiles: ["shell"], from: nil)
        case "spawn": launcher = BareSpawnLauncher()
        default: throw ValidationError("unknown --runner \(runner) (available: sandbox, spawn)")
        }
        let request = LaunchRequest(argv: ["/bin/sh", "-c", "--", "true"])

        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("airlock-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try ConfigLoader.parse(yaml: Self.catalog, file: directory.appendingPathComponent("bench.yaml").path)
        let executor = try Executor(
            catalog: config.catalog, runner: launcher, profiles: launcher,
            hooks: PipelineHooks(policy: BenchmarkOnlyAllow(), approvals: NoApprovalFlowConfigured(),
                                 credentials: BenchmarkOnlyNoCredentials(), audit: BenchmarkOnlyDiscardAudit()),
            execution: ExecutionSettings(maxRunning: max(concurrency, 1) * 2, maxQueued: 1024))
        var settings = ServerSettings(socketPath: directory.appendingPathComponent("agent.sock").path)
        settings.maxConnections = concurrency + 8
        let server = try await AgentServer.start(
            settings: settings, executor: executor,
            actors: ActorDirectory(byUID: [getuid(): .init(name: "bench")]))
        let path = server.socketPath

        print("airlock-bench daemon: run_shell `true`, runner=\(runner), \(calls) round trips, concurrency \(concurrency), \(seconds) s throughput runs")

        // Latency, interleaved so drift on a shared machine hits both sides alike.
        let client = try AgentClient(socketPath: path)
        try client.initialize()
        let params: JSONValue = ["name": "run_shell", "arguments": ["command": "true"]]
        for _ in 0..<20 {
            _ = try client.request("tools/call", params: params)
            _ = try await launcher.run(request, profile: "shell")
        }
        // The same command through the one-shot CLI: a process per call.
        var airlock: String?
        if runner == "sandbox" {
            let path = Spawner.sibling("airlock")
            if access(path, X_OK) == 0 { airlock = path } else { print("airlock exec: not measured, no airlock binary at \(path) (build every product)") }
        }
        let execArgv = airlock.map { [$0, "exec", "--profile", "shell", "--"] + request.argv }
        var direct = LatencyStats()
        var daemon = LatencyStats()
        var exec = LatencyStats()
        // Each call leaves the engine refilling its warm pool for a moment:
        // the in-process launch and the daemon call take turns going first,
        // so neither always runs in the other's wake.
        for round in 0..<calls {
            for daemonFirst in round.isMultiple(of: 2) ? [false, true] : [true, false] {
                let start = DispatchTime.now().uptimeNanoseconds
                if daemonFirst {
                    let reply = try client.request("tools/call", params: params)
                    daemon.add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    guard reply["isError"] == false else { throw ValidationError("daemon call failed: \(reply)") }
                } else {
                    let result = try await launcher.run(request, profile: "shell")
                    direct.add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    guard result.exitCode == 0 else { throw ValidationError("in-process launch failed: \(result)") }
                }
            }
            if let execArgv {
                let start = DispatchTime.now().uptimeNanoseconds
                try Spawner.run(execArgv)
                exec.add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }

        let widths = [26, 12, 12, 12]
        printRow(["latency", "median", "p90", "p99"], widths: widths)
        printRow(["in-process launch", formatDuration(direct.median), formatDuration(direct.p90), formatDuration(direct.p99)], widths: widths)
        printRow(["daemon tools/call", formatDuration(daemon.median), formatDuration(daemon.p90), formatDuration(daemon.p99)], widths: widths)
        if execArgv != nil {
            printRow(["airlock exec", formatDuration(exec.median), formatDuration(exec.p90), formatDuration(exec.p99)], widths: widths)
        }
        printRow(["daemon overhead", formatDuration(daemon.median - direct.median), formatDuration(daemon.p90 - direct.p90),
                  formatDuration(daemon.p99 - direct.p99)], widths: widths)

        let directRate = try await Self.throughput(concurrency: concurrency, seconds: seconds) {
            _ = try await launcher.run(request, profile: "shell")
        }
        let daemonRate = try await Self.daemonThroughput(path: path, concurrency: concurrency, seconds: seconds)
        var execRate: Double?
        if let execArgv {
            execRate = try await Throughput.onThreads(concurrency: concurrency, seconds: seconds) { { try Spawner.run(execArgv) } }
        }
        print()
        printRow(["throughput (c=\(concurrency))", "calls/s"], widths: widths)
        printRow(["in-process launch", String(format: "%.0f", directRate)], widths: widths)
        printRow(["daemon tools/call", String(format: "%.0f", daemonRate)], widths: widths)
        if let execRate { printRow(["airlock exec", String(format: "%.0f", execRate)], widths: widths) }
        printRow(["daemon / in-process", String(format: "%.1f %%", 100 * daemonRate / directRate)], widths: widths)
        print()
        print("targets (issue 3): overhead ≤ 0.5 ms median; daemon ≥ 80 % of in-process calls/s")
        await server.shutdown()
    }

    static func throughput(concurrency: Int, seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        try await body()
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Each client on its own thread with its own connection, as separate agents would be.
    static func daemonThroughput(path: String, concurrency: Int, seconds: Double) async throws -> Double {
        try await Throughput.onThreads(concurrency: concurrency, seconds: seconds) {
            let client = try AgentClient(socketPath: path)
            try client.initialize()
            return { _ = try client.request("tools/call", params: ["name": "run_shell", "arguments": ["command": "true"]]) }
        }
    }

    static let catalog = """
    tools:
      - name: run_shell
        description: Run a POSIX sh command.
        inputSchema:
          type: object
          properties: { command: { type: string, minLength: 1 } }
          required: [command]
          additionalProperties: false
        command: ["/bin/sh", "-c", "--", "{{command}}"]
        profile: shell
    """
}

// Benchmark-only pipeline steps: they let everything through so the
// measurement isolates the daemon. Never use them in a daemon.

private struct BenchmarkOnlyAllow: PolicyDecider {
    func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision {
        Decision(effect: .allow, ruleIDs: ["benchmark"], reasons: ["benchmark run"], policyRevision: "benchmark")
    }
}

private struct BenchmarkOnlyNoCredentials: CredentialIssuer {
    func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws -> RunCredentials {
        RunCredentials()
    }
    func retire(_ credentials: RunCredentials, call: ToolCall) async {}
}

private struct BenchmarkOnlyDiscardAudit: AuditSink {
    func append(_ event: AuditEvent) async throws {}
}

/// The floor the sandbox is measured against: posix_spawn of the argv with
/// stdout/stderr captured and a blocking wait on a worker thread — no
/// confinement at all. A benchmark baseline, never a way to run tools.
private struct BareSpawnLauncher: ToolRunner, ProfileSource {
    func limits(ofProfile name: String) throws -> ResourceLimits { ResourceLimits() }
    func digest(ofProfile name: String) throws -> String { "bare-spawn" }

    func run(_ request: LaunchRequest, profile: String) async throws -> RunResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.spawnAndWait(request, profile: profile) })
            }
        }
    }

    static func spawnAndWait(_ request: LaunchRequest, profile: String) throws -> RunResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var out: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw AirlockError(.setupFailed, "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, out[1], 2)
        posix_spawn_file_actions_addclose(&actions, out[0])
        var argv: [UnsafeMutablePointer<CChar>?] = request.argv.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, request.argv[0], &actions, nil, &argv, &envp)
        close(out[1])
        guard status == 0 else {
            close(out[0])
            throw AirlockError(.commandNotFound, "posix_spawn \(request.argv[0]): \(String(cString: strerror(status)))")
        }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(out[0], &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[..<n])
        }
        close(out[0])
        var wstatus: Int32 = 0
        while waitpid(pid, &wstatus, 0) < 0, errno == EINTR {}
        let exited = (wstatus & 0x7f) == 0
        return RunResult(
            termination: exited ? .exited : .signaled, exitCode: exited ? (wstatus >> 8) & 0xff : nil,
            signal: exited ? nil : wstatus & 0x7f,
            wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
            userCPUSeconds: 0, systemCPUSeconds: 0, peakMemoryBytes: 0,
            stdout: CapturedOutput(text: String(decoding: output, as: UTF8.self), totalBytes: UInt64(output.count), truncated: false),
            stderr: CapturedOutput(text: "", totalBytes: 0, truncated: false),
            limitsHit: [], deniedSyscalls: [], recordedSyscalls: [], killedBySyscall: nil,
            manifest: EnforcementManifest(
                profile: profile, profileDigest: "", namespaces: [], uidInside: getuid(), gidInside: getgid(),
                uidOutside: getuid(), gidOutside: getgid(), rootFilesystem: ["host (unconfined benchmark baseline)"],
                network: "host", landlockABI: 0, landlockFilesystemRights: [], landlockNetworkRule: nil,
                seccompFilterDigest: "", seccompDefaultAction: "none", seccompAllowedSyscalls: 0, capabilities: "unchanged",
                noNewPrivs: false, cgroupVersion: "none", cgroupControllers: [], limits: [:], recordedSyscalls: []))
    }
}
