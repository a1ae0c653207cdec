import AirlockCore
import CJail
import Foundation

/// Stage 1 of a launch, compiled to the C root plan: the sandbox's
/// identity, namespaces and new root — everything that depends on the
/// profile (and a request's extra binds) but not on the command. A warm
/// child is prepared from one of these ahead of time; a cold launch builds
/// one on the spot. Either way the child applies it before its command is
/// known, and the manifest describes the root this plan actually built.
///
/// A class: the C plan points into `arena`, which must outlive the child's
/// setup, and the plan travels from the warm pool's thread to a launch.
final class RootPlan: @unchecked Sendable {
    let arena: CArena
    /// The C plan, at a fixed address in `arena` (the child reads it).
    let cPlan: UnsafePointer<cjail_root_plan>
    let mounts: MountPlanner.Plan
    let landlock: LandlockPlan
    let namespaces: [String]
    let uidOutside: UInt32
    let gidOutside: UInt32
    /// The child seals itself in stage 1 (see `SealPlan`).
    let isSealed: Bool
    /// The root has a tmpfs at /run/airlock that the parent places the
    /// command's files into before the go (a sealed child's root is
    /// read-only by then).
    let placesFiles: Bool
    /// The ruleset fd and pre-made network namespace the child inherits at
    /// clone; the parent closes its copies once the child exists.
    private var inheritedFDs: [Int32]

    /// What a warm child must match for a launch to use it.
    struct Key: Hashable, Sendable {
        var profileDigest: String
        var extraReadOnly: [BindMount]
        var extraWritable: [BindMount]
        /// A sealed child's limits (nil: the child stops after stage 1).
        var sealedLimits: ResourceLimits?
        /// A sealed child whose files the parent places (`placesFiles`).
        var placesFiles: Bool

        init(profileDigest: String, request: LaunchRequest, sealedLimits: ResourceLimits? = nil, placesFiles: Bool = false) {
            self.profileDigest = profileDigest
            extraReadOnly = request.extraReadOnly
            extraWritable = request.extraWritable
            self.sealedLimits = sealedLimits
            self.placesFiles = placesFiles
        }
    }

    /// Takes ownership of `netnsFD` (closed on failure too). The child joins
    /// `cgroup` before it starts its setup.
    /// With `seal`, the child goes on through seccomp before it reports
    /// READY (see `SealPlan`).
    init(profile: SandboxProfile, extraReadOnly: [BindMount], extraWritable: [BindMount], host: HostCapabilities,
         options: SandboxEngine.Options, netnsFD: Int32?, cgroup: RunCgroup?, seal: SealPlan? = nil,
         placesFiles: Bool = false) throws {
        var owned = netnsFD.map { [$0] } ?? []
        let mounts: MountPlanner.Plan
        let landlock: LandlockPlan
        do {
            mounts = try MountPlanner.plan(profile.filesystem, identity: profile.identity, home: profile.environment.set["HOME"],
                                           extraReadOnly: extraReadOnly, extraWritable: extraWritable,
                                           deviceFolder: options.sharesDeviceFolder ? DeviceFolder.shared : nil,
                                           filesFolder: placesFiles)
            landlock = LandlockPlan(abi: host.landlockABI, network: profile.network,
                                    writable: mounts.entries.filter(\.isWritable).map { ($0.target, $0.sourceIsDirectory) },
                                    hasDev: profile.filesystem.dev)
            // Landlock is required (Preflight refused hosts without it): a
            // ruleset that can't be made fails the launch.
            owned.append(try landlock.createRuleset())
        } catch {
            for fd in owned { close(fd) }
            throw error
        }
        let arena = CArena()
        self.arena = arena
        self.mounts = mounts
        self.landlock = landlock
        inheritedFDs = owned
        var root = cjail_root_plan()
        root.landlock_ruleset_fd = owned.last!

        // Identity: never host root. As root, the sandbox user maps to an
        // unprivileged host id; otherwise to our own uid (the only choice).
        let uidOutside = host.isRoot ? options.outsideUID : host.uid
        let gidOutside = host.isRoot ? options.outsideGID : host.gid
        self.uidOutside = uidOutside
        self.gidOutside = gidOutside
        root.uid = profile.identity.uid
        root.gid = profile.identity.gid
        root.uid_map = UnsafePointer(arena.string("\(profile.identity.uid) \(uidOutside) 1\n"))
        root.gid_map = UnsafePointer(arena.string("\(profile.identity.gid) \(gidOutside) 1\n"))
        root.deny_setgroups = host.isRoot ? 0 : 1
        root.drop_supplementary_groups = host.isRoot ? 1 : 0
        root.make_nondumpable = host.isRoot ? 1 : 0

        var flags = CJAIL_CLONE_NEWUSER | CJAIL_CLONE_NEWNS | CJAIL_CLONE_NEWPID | CJAIL_CLONE_NEWIPC | CJAIL_CLONE_NEWUTS
        var namespaces = ["user", "mnt", "pid", "ipc", "uts", "cgroup"]
        root.netns_fd = -1
        if profile.network != .host {
            // A pre-made namespace (never used before) when the pool has one.
            if let netnsFD { root.netns_fd = netnsFD } else { flags |= CJAIL_CLONE_NEWNET }
            namespaces.append("net")
        }
        self.namespaces = namespaces
        root.clone_flags = Int32(flags)

        root.base_tmpfs_options = UnsafePointer(arena.string("size=4194304,mode=0755"))
        root.mounts = UnsafePointer(MountPlanner.cMounts(mounts.entries, arena: arena))
        root.mount_count = Int32(mounts.entries.count)
        root.hostname = UnsafePointer(arena.string(profile.identity.hostname))
        // A pooled namespace for `loopback` comes with lo already up.
        root.bring_up_loopback = profile.network == .loopback && netnsFD == nil ? 1 : 0
        root.cap_last_cap = Int32(host.capLastCap)
        root.landlock_rules = UnsafePointer(landlock.cRules(arena: arena))
        root.landlock_rule_count = Int32(landlock.rules.count)
        let parentJoins = cgroup?.parentJoinFiles ?? [], selfJoins = cgroup?.selfJoinFiles ?? []
        root.cgroup_procs_paths = UnsafePointer(arena.array(parentJoins.map { UnsafePointer(arena.string($0)) as UnsafePointer<CChar>? }))
        root.cgroup_procs_count = Int32(parentJoins.count)
        root.cgroup_self_paths = UnsafePointer(arena.array(selfJoins.map { UnsafePointer(arena.string($0)) as UnsafePointer<CChar>? }))
        root.cgroup_self_count = Int32(selfJoins.count)
        if let seal {
            var sealing = cjail_plan()
            SealPlan.fill(&sealing, filter: seal.filter, rlimits: RlimitPlan(limits: seal.limits, cgroup: cgroup), arena: arena)
            root.seal = UnsafePointer(arena.array([sealing]))
        }
        isSealed = seal != nil
        self.placesFiles = placesFiles
        cPlan = UnsafePointer(arena.array([root]))
    }

    /// The child holds its own copies now (or never will): close ours.
    func closeInheritedFDs() {
        for fd in inheritedFDs { close(fd) }
        inheritedFDs = []
    }

    deinit { closeInheritedFDs() }
}
