import AirlockCore
import CJail
import Foundation

/// The in-process launch API: runs one command confined by a profile and
/// returns everything it did and everything that was enforced.
///
/// Thread-safe. Each launch runs its blocking parent side (spawn, poll
/// loop, reap) on a thread of its own, never on a Swift concurrency,
/// dispatch or event-loop thread.
public final class SandboxEngine: @unchecked Sendable {
    public struct Options: Sendable {
        /// Host ids the sandbox user maps to when Airlock runs as root
        /// (nobody/nogroup by default: never host root).
        public var outsideUID: UInt32 = 65534
        public var outsideGID: UInt32 = 65534
        /// Make network namespaces, and children whose sandbox is built and
        /// waiting for a command, ahead of time on background threads. Right
        /// for a daemon; a one-shot `airlock exec` would only race its own launch.
        public var prewarm: Bool = true
        /// Without `prewarm`: make one empty network namespace on a
        /// background thread as soon as the engine exists, while a one-shot
        /// caller still reads its profile (creating one is the largest
        /// single cost of a cold launch's clone).
        public var networkNamespaceAhead: Bool = false
        /// Bind /dev from the host's `DeviceFolder` (one mount) where the
        /// host has one; otherwise, or when false, each device is bound
        /// into a tmpfs of the run's own.
        public var sharesDeviceFolder: Bool = true
        /// With `prewarm`: how long a profile nobody launches with keeps
        /// warm children, and how old a waiting child may grow before it is
        /// retired (so none serves a root planned long ago).
        public var warmIdleSeconds: Double = 30

        public init(outsideUID: UInt32 = 65534, outsideGID: UInt32 = 65534, prewarm: Bool = true,
                    networkNamespaceAhead: Bool = false, sharesDeviceFolder: Bool = true, warmIdleSeconds: Double = 30) {
            self.outsideUID = outsideUID
            self.outsideGID = outsideGID
            self.prewarm = prewarm
            self.networkNamespaceAhead = networkNamespaceAhead
            self.sharesDeviceFolder = sharesDeviceFolder
            self.warmIdleSeconds = warmIdleSeconds
        }
    }

    public let host: HostCapabilities
    public let options: Options
    private let lock = NSLock()
    private var filters: [SandboxProfile: CompiledProfile] = [:]
    private var livePidfds: Set<Int32> = []
    /// Set by `killAll`: no launch starts after it, and one whose child was
    /// cloned meanwhile is killed rather than run.
    private var stopped = false
    private let cgroups: CgroupPool
    private let networkNamespaces: NetworkNamespacePool
    private let warm: WarmPool

    public init(host: HostCapabilities = .current, options: Options = Options()) {
        self.host = host
        self.options = options
        self.cgroups = CgroupPool(host: host)
        self.networkNamespaces = options.prewarm
            ? NetworkNamespacePool(host: host, enabled: true)
            : NetworkNamespacePool(host: host, enabled: options.networkNamespaceAhead, target: 1, policies: [.none],
                                   refill: false)
        let cgroups = self.cgroups
        self.warm = WarmPool(enabled: options.prewarm, niced: BackgroundPriority.applies(on: host),
                             idleSeconds: options.warmIdleSeconds) { cgroups.release($0) }
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
                // A thread of its own: the launch blocks in poll() for as long
                // as the command runs, and a dispatch queue would cap how many
                // run at once at about the number of cores.
                let thread = Thread {
                    continuation.resume(with: Result { try self.runBlocking(request, profile: profile, cancelFD: cancelFD) })
                }
                thread.name = "airlock.launch"
                thread.stackSize = 1 << 20
                thread.start()
            }
        } onCancel: {
            var one: UInt64 = 1
            _ = write(cancelFD, &one, 8)
        }
    }

    /// The same as `run`, on the calling thread. `cancelFD` is an eventfd
    /// whose readability cancels the launch (-1: not cancellable).
    public func runBlocking(_ request: LaunchRequest, profile: SandboxProfile, cancelFD: Int32 = -1) throws -> RunResult {
        try runKeepingOutput(request, profile: profile, cancelFD: cancelFD).result
    }

    /// The command's output byte for byte (a `RunResult` holds it as text).
    public struct RawOutput: Sendable {
        public var stdout: Data
        public var stderr: Data
    }

    /// `runBlocking`, with the output as the command wrote it, for a caller
    /// that prints it (`airlock exec`). With `saveImage`, a launch the C
    /// front end could repeat is saved there once it ran (see
    /// `LaunchImageTarget`); a failure to save only costs the next launch
    /// its head start.
    public func runKeepingOutput(_ request: LaunchRequest, profile: SandboxProfile, cancelFD: Int32 = -1,
                                 saveImage: LaunchImageTarget? = nil) throws -> (result: RunResult, output: RawOutput) {
        let t0 = Self.now()
        if lock.withLock({ stopped }) { throw Self.stoppedError }
        try Preflight.check(profile: profile, request: request, host: host)
        let known = lock.withLock { filters[profile] }
        let limits = request.limits ?? profile.limits
        // Limits come from profiles, tool overrides and flags, each checked
        // where it is written; this holds for callers that build their own.
        if let problem = LimitBounds.problem(in: limits) { throw AirlockError(.invalidArguments, problem) }
        let warmChild = known.flatMap { warm.take(warmKey($0, request, limits)) }
        let child = try warmChild ?? prepareCold(profile, request)
        let admitted = lock.withLock { () -> Bool in
            if !stopped { livePidfds.insert(child.spawned.pidfd) }
            return !stopped
        }
        guard admitted else {
            child.discard { [cgroups] in cgroups.release($0) }
            throw Self.stoppedError
        }
        let tSpawned = Self.now()
        // A cold child builds its sandbox on the other CPU meanwhile.
        let compiled: CompiledProfile
        do {
            compiled = try known ?? compile(profile)
        } catch {
            abandon(child)
            throw error
        }
        let tFilter = Self.now()
        let plan: LaunchPlan
        do {
            try child.cgroup?.prepare(limits)
            plan = try LaunchPlan(root: child.root, profile: profile, request: request, filter: compiled.filter, host: host,
                                  cgroup: child.cgroup)
            try placeFiles(plan.placedFiles, into: child)
        } catch {
            abandon(child)
            throw error
        }
        // The pool keeps only what a root depends on (never the request's
        // environment or files: those carry the run's secrets).
        let rootInputs = LaunchRequest(argv: [], extraReadOnly: request.extraReadOnly, extraWritable: request.extraWritable)
        defer {
            if warm.enabled {
                // Weak: the pool outlives no engine. A strong capture would
                // keep an engine its owner dropped (and its waiting children,
                // namespaces and cgroups) alive for as long as the key is wanted.
                let key = warmKey(compiled, request, limits)
                let seal = key.sealedLimits.map { SealPlan(filter: compiled.filter, limits: $0) }
                warm.want(key) { [weak self] in
                    guard let self else { throw AirlockError(.setupFailed, "the sandbox engine is gone") }
                    return try planRoot(profile, rootInputs, seal: seal, placesFiles: key.placesFiles)
                }
            }
        }
        let tPlanned = Self.now()

        let cpuBudget = child.cgroup.flatMap { cgroup in
            cgroup.countsCPU ? LaunchSupervisor.CPUBudget(limitNanoseconds: LaunchSupervisor.CPUBudget.nanoseconds(for: limits),
                                                          used: { cgroup.cpuNanosecondsUsed() }) : nil
        }
        let supervisor = LaunchSupervisor(plan: plan, stdin: request.stdin, wallSeconds: limits.wallSeconds, cancelFD: cancelFD,
                                          cpuBudget: cpuBudget)
        let observation = supervisor.run(child: child.spawned, listener: child.listenerFD, filter: compiled.filter,
                                         outputCap: limits.outputBytes)
        lock.withLock { _ = livePidfds.remove(observation.pidfd) }
        close(observation.pidfd)
        // The cgroup goes back to the pool once its counters are read (at
        // the end of this function) and the mount namespace is gone: the
        // run's tmpfs pages stay charged to it until then, and the next run
        // must not start with them against its memory limit.
        defer {
            let cgroup = child.cgroup
            NamespaceRelease.later(observation.mountNamespaceFD) { [cgroups] in
                if let cgroup { cgroups.release(cgroup) }
            }
        }

        if let failure = observation.setupFailure, !observation.timedOut, !observation.cancelled {
            throw SetupFailure.error(step: failure.step, errno: failure.error, index: failure.index,
                                     mounts: child.root.mounts.entries, commandFiles: plan.commandFiles, workdir: plan.workdir)
        }
        if let execError = observation.execError {
            if execError == ENOENT {
                throw AirlockError(.commandNotFound,
                    "command not found in the sandbox: \(request.argv[0]) (searched \(LaunchPlan.execCandidates(request.argv[0], path: plan.environment["PATH"] ?? LaunchPlan.defaultPath).joined(separator: ", ")))")
            }
            throw AirlockError(.commandNotFound, "cannot execute \(request.argv[0]) in the sandbox: \(String(cString: strerror(execError)))")
        }
        if let saveImage, LaunchImageWriter.canSave(root: child.root, plan: plan, request: request) {
            do {
                try LaunchImageWriter.save(saveImage, root: child.root, plan: plan, profile: profile, request: request,
                                           filter: compiled.filter, cgroup: child.cgroup, host: host)
            } catch {
                Self.trace?("launch image not saved: \(error)")
            }
        }
        let digest = compiled.digest.value
        if let trace = Self.trace {
            func ms(_ a: UInt64, _ b: UInt64) -> String { String(format: "%.3f", Double(b &- a) / 1e6) }
            trace("\(warmChild == nil ? "cold" : "warm") \(known == nil ? "compile" : "cached") spawn \(ms(t0, tSpawned)) filter \(ms(tSpawned, tFilter)) plan+cgroup \(ms(tFilter, tPlanned)) go \(ms(tPlanned, observation.spawnedAt)) setup \(ms(observation.spawnedAt, observation.execAt)) exec+run \(ms(observation.execAt, observation.exitedAt)) drain \(ms(observation.exitedAt, observation.drainedAt)) unmap \(ms(observation.drainedAt, observation.releasedAt)) after \(ms(observation.releasedAt, Self.now())) total \(ms(t0, Self.now()))")
        }
        let result = RunResultBuilder.build(observation: observation, plan: plan, profile: profile, profileDigest: digest,
                                            filter: compiled.filter, cgroupUsage: child.cgroup?.usage(), cgroup: child.cgroup, host: host)
        return (result, RawOutput(stdout: observation.stdout.data, stderr: observation.stderr.data))
    }

    /// The warm children that fit `request`: sealed ahead (see `SealPlan`)
    /// when the profile lets a sealed child finish and the command brings
    /// no files, or only files in /run/airlock, which the parent writes
    /// into the child's tmpfs there before the go (`placeFiles`).
    private func warmKey(_ compiled: CompiledProfile, _ request: LaunchRequest, _ limits: ResourceLimits) -> RootPlan.Key {
        let placesFiles = !request.files.isEmpty && MountPlanner.placeableFiles(request.files) != nil
        let sealed = compiled.canSealAhead && (request.files.isEmpty || placesFiles)
        return RootPlan.Key(profileDigest: compiled.digest.value, request: request, sealedLimits: sealed ? limits : nil,
                            placesFiles: sealed && placesFiles)
    }

    /// Writes the command's files into a child whose root takes them from
    /// the parent (its own stage 2 writes none). Before the go: nothing of
    /// the command has run in it yet.
    private func placeFiles(_ files: [InjectedFile], into child: PreparedChild) throws {
        for file in files {
            let relative = String(file.path.drop { $0 == "/" })
            let rc = file.contents.withUnsafeBytes { bytes in
                cjail_place_file(child.spawned.pid, relative, bytes.baseAddress, bytes.count, file.mode,
                                 child.root.uidOutside, child.root.gidOutside)
            }
            guard rc == 0 else {
                throw AirlockError(.setupFailed, "could not place \(file.path) in the sandbox: \(String(cString: strerror(-rc)))")
            }
        }
    }

    /// Stage 1 for a launch no warm child serves: plan the root, clone the
    /// child. It builds its sandbox while this thread goes on.
    private func prepareCold(_ profile: SandboxProfile, _ request: LaunchRequest) throws -> PreparedChild {
        let (root, cgroup) = try planRoot(profile, request)
        switch PreparedChild.spawn(root: root, cgroup: cgroup) {
        case .success(let child):
            return child
        case .failure(.spawn(let step, let code)):
            if let cgroup { cgroups.release(cgroup) }
            throw SetupFailure.error(step: step, errno: code, index: 0, mounts: root.mounts.entries)
        }
    }

    /// A child that will not get its command (the launch failed before its go).
    private func abandon(_ child: PreparedChild) {
        lock.withLock { _ = livePidfds.remove(child.spawned.pidfd) }
        child.discard { [cgroups] in cgroups.release($0) }
    }

    /// Kills every running sandbox (daemon shutdown). Their launches return
    /// `.cancelled`-free results marked as signaled; callers that initiated a
    /// shutdown should prefer cancelling their tasks, which records why.
    public func killAll() {
        warm.stop()
        networkNamespaces.stop()
        cgroups.drain()
        lock.withLock {
            stopped = true
            for pidfd in livePidfds { _ = cjail_pidfd_send_signal(pidfd, SIGKILL) }
        }
    }

    static let stoppedError = AirlockError(.setupFailed, "the sandbox engine is shutting down: no new launches start")

    /// The pools' threads hold their pools while they work: stopped here,
    /// or each engine dropped would leave a thread and its namespaces.
    deinit {
        warm.stop()
        networkNamespaces.stop()
    }

    /// The warm pool, for tests.
    var warmPool: WarmPool { warm }

    /// Stage 1 of a launch planned on the spot (a cold launch, or the warm
    /// pool preparing a child), with the run cgroup the child is born into.
    private func planRoot(_ profile: SandboxProfile, _ request: LaunchRequest, seal: SealPlan? = nil,
                          placesFiles: Bool = false) throws -> (root: RootPlan, cgroup: RunCgroup?) {
        let cgroup = try cgroups.take(memoryLimit: (request.limits ?? profile.limits).memoryBytes)
        do {
            let root = try RootPlan(profile: profile, extraReadOnly: request.extraReadOnly, extraWritable: request.extraWritable,
                                    host: host, options: options, netnsFD: networkNamespaces.take(profile.network),
                                    cgroup: cgroup, seal: seal, placesFiles: placesFiles)
            return (root, cgroup)
        } catch {
            if let cgroup { cgroups.release(cgroup) }
            throw error
        }
    }

    /// AIRLOCK_TRACE=1 prints a per-launch phase breakdown to stderr.
    static let trace: (@Sendable (String) -> Void)? = getenv("AIRLOCK_TRACE").map { String(cString: $0) } == "1"
        ? { @Sendable (line: String) in FileHandle.standardError.write(Data(("airlock-trace: " + line + "\n").utf8)) } : nil

    /// A profile's seccomp program, and its digest for the manifest.
    struct CompiledProfile: Sendable {
        let digest: BackgroundValue<String>
        let filter: CompiledFilter
        /// Warm children for this profile may be sealed ahead.
        let canSealAhead: Bool
    }

    /// Compiles the profile's seccomp program (once per profile). The digest
    /// is computed on another thread; it is first needed once the command runs.
    private func compile(_ profile: SandboxProfile) throws -> CompiledProfile {
        let digest = BackgroundValue { ProfileDigest.of(profile) }
        let compiled = CompiledProfile(digest: digest, filter: try SeccompCompiler.compile(profile.seccomp, record: profile.record),
                                       canSealAhead: SealPlan.canSealAhead(profile.seccomp))
        lock.withLock { filters[profile] = compiled }
        return compiled
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// Stable digest of a resolved profile, for the manifest and caches.
public enum ProfileDigest {
    /// The profile's canonical JSON, built as a tree directly (the same
    /// JSON as through JSONEncoder, without the text in between: a one-shot
    /// `airlock exec` computes this once per process).
    /// A profile the encoder refuses (a value JSON can't hold, such as a
    /// NaN a library caller put in a limit) is digested from its full
    /// description instead: never from its name alone, which two different
    /// profiles may share, and the digest keys the warm children.
    public static func of(_ profile: SandboxProfile) -> String {
        (try? JSONValueEncoder.encode(profile)).map(Digest.sha256Hex) ?? Digest.sha256Hex(String(reflecting: profile))
    }
}
