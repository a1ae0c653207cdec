import AirlockCore
import CJail
import Foundation

/// The in-process launch API: runs one command confined by a profile and
/// returns everything it did and everything that was enforced.
///
/// Thread-safe. Each launch runs its blocking parent side (spawn, poll
/// loop, reap) on a thread of its own, never on a Swift concurrency or
/// event-loop thread.
public final class SandboxEngine: @unchecked Sendable {
    public struct Options: Sendable {
        /// Host ids the sandbox user maps to when Airlock runs as root
        /// (nobody/nogroup by default: never host root).
        public var outsideUID: UInt32 = 65534
        public var outsideGID: UInt32 = 65534

        public init(outsideUID: UInt32 = 65534, outsideGID: UInt32 = 65534) {
            self.outsideUID = outsideUID
            self.outsideGID = outsideGID
        }
    }

    public let host: HostCapabilities
    public let options: Options
    private let lock = NSLock()
    private var filters: [String: CompiledFilter] = [:]
    private var livePidfds: Set<Int32> = []
    private let queue = DispatchQueue(label: "airlock.sandbox.launch", qos: .userInitiated, attributes: .concurrent)

    public init(host: HostCapabilities = .current, options: Options = Options()) {
        self.host = host
        self.options = options
        // A child that exits while we feed its stdin must not kill us.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `request` under `profile`. Cancelling the calling task kills the
    /// sandbox (its whole pid namespace) and returns a `.cancelled` result.
    public func run(_ request: LaunchRequest, profile: SandboxProfile) async throws -> RunResult {
        let cancelFD = cjail_eventfd()
        guard cancelFD >= 0 else { throw AirlockError(.setupFailed, "eventfd failed: \(String(cString: strerror(-cancelFD)))") }
        defer { close(cancelFD) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RunResult, Error>) in
                queue.async {
                    continuation.resume(with: Result { try self.runBlocking(request, profile: profile, cancelFD: cancelFD) })
                }
            }
        } onCancel: {
            var one: UInt64 = 1
            _ = write(cancelFD, &one, 8)
        }
    }

    /// The same as `run`, on the calling thread. `cancelFD` is an eventfd
    /// whose readability cancels the launch (-1: not cancellable).
    public func runBlocking(_ request: LaunchRequest, profile: SandboxProfile, cancelFD: Int32 = -1) throws -> RunResult {
        try Preflight.check(profile: profile, host: host)
        let filter = try compiledFilter(for: profile)
        let limits = request.limits ?? profile.limits
        let runID = "run-\(UUID().uuidString.prefix(13).lowercased())"
        let cgroup = try RunCgroup.create(host: host, runID: runID, limits: limits)
        defer { cgroup?.destroy() }

        var plan = try LaunchPlan(profile: profile, request: request, filter: filter, host: host, options: options, cgroup: cgroup)
        try plan.openLandlock()
        defer { plan.closeLandlock() }

        let supervisor = LaunchSupervisor(plan: plan.plan, arena: plan.arena, stdin: request.stdin,
                                          wallSeconds: limits.wallSeconds, cancelFD: cancelFD)
        let observation: Observation
        do {
            observation = try supervisor.run(filter: filter, outputCap: limits.outputBytes) { pidfd in
                lock.withLock { _ = livePidfds.insert(pidfd) }
            }
        } catch LaunchFailure.spawn(let step, let code) {
            throw SetupFailure.error(step: step, errno: code, index: 0, mounts: plan.mounts.entries)
        }
        lock.withLock { _ = livePidfds.remove(observation.pidfd) }
        close(observation.pidfd)

        if let failure = observation.setupFailure, !observation.timedOut, !observation.cancelled {
            throw SetupFailure.error(step: failure.step, errno: failure.error, index: failure.index, mounts: plan.mounts.entries)
        }
        if let execError = observation.execError {
            if execError == ENOENT {
                throw AirlockError(.commandNotFound,
                    "command not found in the sandbox: \(request.argv[0]) (searched \(LaunchPlan.execCandidates(request.argv[0], path: plan.environment["PATH"] ?? LaunchPlan.defaultPath).joined(separator: ", ")))")
            }
            throw AirlockError(.commandNotFound, "cannot execute \(request.argv[0]) in the sandbox: \(String(cString: strerror(execError)))")
        }
        return RunResultBuilder.build(observation: observation, plan: plan, profile: profile, filter: filter,
                                      cgroupUsage: cgroup?.usage(), cgroup: cgroup, host: host)
    }

    /// Kills every running sandbox (daemon shutdown). Their launches return
    /// `.cancelled`-free results marked as signaled; callers that initiated a
    /// shutdown should prefer cancelling their tasks, which records why.
    public func killAll() {
        lock.withLock {
            for pidfd in livePidfds { _ = cjail_pidfd_send_signal(pidfd, SIGKILL) }
        }
    }

    /// Compiles (once per profile digest) the profile's seccomp program.
    func compiledFilter(for profile: SandboxProfile) throws -> CompiledFilter {
        let key = ProfileDigest.of(profile)
        if let cached = lock.withLock({ filters[key] }) { return cached }
        let filter = try SeccompCompiler.compile(profile.seccomp, record: profile.record)
        lock.withLock { filters[key] = filter }
        return filter
    }
}

/// Stable digest of a resolved profile, for the manifest and caches.
public enum ProfileDigest {
    public static func of(_ profile: SandboxProfile) -> String {
        (try? JSONValue(encoding: profile)).map(Digest.sha256Hex) ?? Digest.sha256Hex(profile.name)
    }
}
