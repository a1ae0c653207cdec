import AirlockCore
import CJail
import Foundation

/// A launch compiled down to the flat C plan the child applies, plus what
/// the manifest reports about it. Built fresh per launch (the seccomp
/// program comes from the engine's cache).
struct LaunchPlan {
    let arena = CArena()
    var plan = cjail_plan()
    var mounts: MountPlanner.Plan
    var landlock: LandlockPlan
    var limits: ResourceLimits
    var environment: [String: String]
    var namespaces: [String]
    var uidOutside: UInt32
    var gidOutside: UInt32
    var rlimitsInForce: [String: UInt64]
    var usesRlimitForMemory: Bool
    var landlockFD: Int32 = -1

    /// Default PATH inside when neither profile nor request sets one.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    init(profile: SandboxProfile, request: LaunchRequest, filter: CompiledFilter, host: HostCapabilities,
         options: SandboxEngine.Options, cgroup: RunCgroup?, netnsFD: Int32?) throws {
        guard let command = request.argv.first, !command.isEmpty else {
            throw AirlockError(.invalidArguments, "no command given")
        }
        limits = request.limits ?? profile.limits
        mounts = try MountPlanner.plan(profile.filesystem, identity: profile.identity,
                                       home: profile.environment.set["HOME"], request: request)
        let writable = mounts.entries.filter(\.isWritable).map(\.target)
        landlock = LandlockPlan(abi: host.landlockABI, network: profile.network, writablePaths: writable,
                                hasDev: profile.filesystem.dev)
        environment = profile.environment.set.merging(request.environment) { _, new in new }

        // Identity: never host root. As root, the sandbox user maps to an
        // unprivileged host id; otherwise to our own uid (the only choice).
        uidOutside = host.isRoot ? options.outsideUID : host.uid
        gidOutside = host.isRoot ? options.outsideGID : host.gid
        plan.uid = profile.identity.uid
        plan.gid = profile.identity.gid
        plan.uid_map = UnsafePointer(arena.string("\(profile.identity.uid) \(uidOutside) 1\n"))
        plan.gid_map = UnsafePointer(arena.string("\(profile.identity.gid) \(gidOutside) 1\n"))
        plan.deny_setgroups = host.isRoot ? 0 : 1
        plan.drop_supplementary_groups = host.isRoot ? 1 : 0
        plan.make_nondumpable = host.isRoot ? 1 : 0

        var flags = CJAIL_CLONE_NEWUSER | CJAIL_CLONE_NEWNS | CJAIL_CLONE_NEWPID | CJAIL_CLONE_NEWIPC | CJAIL_CLONE_NEWUTS
        namespaces = ["user", "mnt", "pid", "ipc", "uts", "cgroup"]
        plan.netns_fd = -1
        if profile.network != .host {
            // A pre-made namespace (never used before) when the pool has one.
            if let netnsFD { plan.netns_fd = netnsFD } else { flags |= CJAIL_CLONE_NEWNET }
            namespaces.append("net")
        }
        plan.clone_flags = Int32(flags)
        plan.unshare_cgroup_ns = 1

        plan.base_tmpfs_options = UnsafePointer(arena.string("size=4194304,mode=0755"))
        plan.mounts = UnsafePointer(MountPlanner.cMounts(mounts.entries, arena: arena))
        plan.mount_count = Int32(mounts.entries.count)
        plan.hostname = UnsafePointer(arena.string(profile.identity.hostname))
        // A pooled namespace for `loopback` comes with lo already up.
        plan.bring_up_loopback = profile.network == .loopback && netnsFD == nil ? 1 : 0

        // rlimits are always in force; memory falls back to RLIMIT_AS only
        // when no memory cgroup holds it.
        usesRlimitForMemory = !(cgroup?.controllers.contains("memory") ?? false)
        let nprocLimit = limits.processes + (cgroup?.controllers.contains("pids") == true ? 1 : 0)
        var rlimits: [(Int32, String, UInt64, UInt64)] = [
            (Int32(RLIMIT_CPU.rawValue), "cpu_time", limits.cpuSeconds, limits.cpuSeconds + 1),
            // With a pids cgroup in force, the cgroup must be what refuses a
            // fork (it counts refusals; RLIMIT_NPROC fails silently first otherwise).
            (Int32(CJAIL_RLIMIT_NPROC), "processes", nprocLimit, nprocLimit),
            (Int32(RLIMIT_FSIZE.rawValue), "file_size", limits.fileSizeBytes, limits.fileSizeBytes),
            (Int32(RLIMIT_NOFILE.rawValue), "open_files", limits.openFiles, limits.openFiles),
            (Int32(RLIMIT_CORE.rawValue), "core", 0, 0),
        ]
        if usesRlimitForMemory {
            rlimits.append((Int32(RLIMIT_AS.rawValue), "memory", limits.memoryBytes, limits.memoryBytes))
        }
        rlimitsInForce = Dictionary(uniqueKeysWithValues: rlimits.map { ($0.1, $0.2) })
        plan.rlimits = UnsafePointer(arena.array(rlimits.map { cjail_rlimit(resource: $0.0, soft: $0.2, hard: $0.3) }))
        plan.rlimit_count = Int32(rlimits.count)
        let procs = cgroup?.procsFiles ?? []
        plan.cgroup_procs_paths = UnsafePointer(arena.array(procs.map { UnsafePointer(arena.string($0)) as UnsafePointer<CChar>? }))
        plan.cgroup_procs_count = Int32(procs.count)

        plan.cap_last_cap = Int32(host.capLastCap)
        plan.landlock_ruleset_fd = -1
        plan.landlock_rules = UnsafePointer(landlock.cRules(arena: arena))
        plan.landlock_rule_count = Int32(landlock.rules.count)

        let filterBytes = arena.bytes(filter.program)
        plan.filter = UnsafeRawPointer(filterBytes).assumingMemoryBound(to: sock_filter.self)
        plan.filter_len = UInt16(filter.program.count / 8)
        plan.seccomp_flags = UInt32(SECCOMP_FILTER_FLAG_NEW_LISTENER)

        let workdir = request.workdir ?? profile.filesystem.workspace?.path ?? "/"
        plan.workdir = UnsafePointer(arena.string(workdir))
        let candidates = Self.execCandidates(command, path: environment["PATH"] ?? Self.defaultPath)
        plan.exec_candidates = UnsafePointer(arena.array(candidates.map { UnsafePointer(arena.string($0)) as UnsafePointer<CChar>? }))
        plan.exec_candidate_count = Int32(candidates.count)
        plan.argv = UnsafePointer(arena.stringArray(request.argv))
        plan.envp = UnsafePointer(arena.stringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }))
    }

    /// Creates this launch's Landlock ruleset and wires it into the plan.
    mutating func openLandlock() throws {
        landlockFD = try landlock.createRuleset()
        plan.landlock_ruleset_fd = landlockFD
    }

    func closeLandlock() {
        if landlockFD >= 0 { close(landlockFD) }
    }

    /// Where execve looks, like execvp: the command itself if it has a
    /// slash, otherwise each PATH entry.
    static func execCandidates(_ command: String, path: String) -> [String] {
        if command.contains("/") { return [command] }
        return path.split(separator: ":").filter { $0.hasPrefix("/") }.map { "\($0)/\(command)" }
    }
}

/// SECCOMP_FILTER_FLAG_NEW_LISTENER, which Glibc's module does not export.
let SECCOMP_FILTER_FLAG_NEW_LISTENER: Int32 = 1 << 3
