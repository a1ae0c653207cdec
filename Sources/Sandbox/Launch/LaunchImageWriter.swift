import AirlockCore
import CJail
import CLaunchImage
import Foundation

/// Saves a launch that just ran as a launch image (see `LaunchImageTarget`):
/// the same two C plans the child applied, minus what belongs to this one
/// launch (its network namespace made ahead, Landlock ruleset fd, cgroup
/// folders and command), plus the recipe for those, the listener's verdict
/// table, the limits, and the fingerprint of every file the plan rests on.
enum LaunchImageWriter {
    /// How many images a user keeps; the oldest go first.
    static let maxImages = 64

    /// Whether the front end could run this launch again with only its
    /// command changed: nothing of it was made for this request alone, and
    /// nothing of it is a secret of the caller's (the variables given with
    /// `--env` would be written into the image's environment).
    static func canSave(root: RootPlan, plan: LaunchPlan, request: LaunchRequest) -> Bool {
        !root.isSealed && !root.placesFiles && plan.commandFiles.isEmpty && plan.placedFiles.isEmpty && request.stdin == nil
            && request.files.isEmpty && request.environment.isEmpty
    }

    static func save(_ target: LaunchImageTarget, root: RootPlan, plan: LaunchPlan, profile: SandboxProfile, request: LaunchRequest,
                     filter: CompiledFilter, cgroup: RunCgroup?, host: HostCapabilities) throws {
        let arena = CArena()
        var image = claunch_image()
        image.root = root.cPlan.pointee
        image.root.netns_fd = -1
        if profile.network != .host { image.root.clone_flags |= Int32(CJAIL_CLONE_NEWNET) }
        // A namespace made ahead came with lo up; a fresh one needs it done.
        image.root.bring_up_loopback = profile.network == .loopback ? 1 : 0
        image.root.landlock_ruleset_fd = -1
        image.root.cgroup_procs_paths = nil
        image.root.cgroup_procs_count = 0
        image.root.cgroup_self_paths = nil
        image.root.cgroup_self_count = 0
        image.plan = plan.cPlan.pointee
        image.plan.argv = nil
        image.plan.exec_candidates = nil
        image.plan.exec_candidate_count = 0
        image.exec_path = UnsafePointer(arena.string(plan.environment["PATH"] ?? LaunchPlan.defaultPath))
        image.landlock_attr = root.landlock.attributes

        (image.probed_cgroup_version, image.probed_cgroup_controllers) = CgroupProbe.bits(version: host.cgroupVersion,
                                                                                       controllers: host.cgroupControllers)
        if let cgroup { describe(cgroup, limits: plan.limits, into: &image, arena: arena) }
        image.verdicts = UnsafeRawPointer(arena.bytes(filter.verdictTable))
        image.verdicts_length = UInt64(filter.verdictTable.count)
        let limits = plan.limits
        image.limits = claunch_limits(wall_seconds: limits.wallSeconds, cpu_seconds: limits.cpuSeconds, memory_bytes: limits.memoryBytes,
                                      processes: limits.processes, output_bytes: limits.outputBytes,
                                      file_size_bytes: limits.fileSizeBytes)
        if cgroup?.countsCPU == true {
            image.cpu_budget_ns = LaunchSupervisor.CPUBudget.nanoseconds(for: limits)
            image.cpu_check_interval_ns = LaunchSupervisor.CPUBudget.checkIntervalNanoseconds
        }

        // Taken before the plan was made, and still true now: otherwise
        // something changed while it was made or ran, and the plan may rest
        // on the old state.
        if let changed = target.fingerprints.first(where: { !$0.isCurrent }) {
            throw AirlockError(.setupFailed, "\(changed.path) changed while the launch was planned; no image saved")
        }
        let nodes = deviceNodes(root).map { LaunchImageFingerprint.take($0, identityOnly: true) }
        guard nodes.allSatisfy({ $0 != nil }) else { throw AirlockError(.setupFailed, "a device node could not be looked at; no image saved") }
        let prints = (target.fingerprints + nodes.compactMap { $0 }).map { print -> claunch_fingerprint in
            var copy = print.taken
            copy.path = UnsafePointer(arena.string(print.path))
            return copy
        }
        image.fingerprints = UnsafePointer(arena.array(prints))
        image.fingerprint_count = Int32(prints.count)

        var bytes: UnsafeMutableRawPointer?
        var length = 0
        var secret = [UInt8](repeating: 0, count: 16)
        let sealed = claunch_mac_secret(1, &secret)
        guard sealed == 0 else {
            throw AirlockError(.setupFailed, "no launch image secret in the user's keyring: \(String(cString: strerror(-sealed)))")
        }
        let rc = target.key.withUnsafeBufferPointer { key in
            secret.withUnsafeBufferPointer { claunch_image_encode(&image, key.baseAddress, $0.baseAddress, &bytes, &length) }
        }
        guard rc == 0, let bytes else {
            throw AirlockError(.setupFailed, "cannot encode the launch image: \(String(cString: strerror(-rc)))")
        }
        let data = Data(bytes: bytes, count: length)
        free(bytes)
        try ImageFolder.prepare(target.folder)
        try PrivateFile.write(data, to: target.folder + "/" + name(of: target.key), mode: 0o600)
        ImageFolder.prune(target.folder, keeping: maxImages)
    }

    /// The run's cgroup as a recipe: one folder per hierarchy, the limit
    /// writes of a fresh cgroup, and where each counter is read.
    private static func describe(_ cgroup: RunCgroup, limits: ResourceLimits, into image: inout claunch_image, arena: CArena) {
        let folders = cgroup.folders
        func index(of controller: String) -> Int32 {
            Int32(folders.firstIndex { $0.controllers.contains(controller) } ?? -1)
        }
        image.cgroup_version = cgroup.version == .v1 ? 1 : 2
        image.cgroup_folders = UnsafePointer(arena.array(folders.map { folder in
            claunch_cgroup_folder(parent: UnsafePointer(arena.string((folder.directory as NSString).deletingLastPathComponent)),
                                  child_joins: cgroup.version == .v1 ? 1 : 0, parent_joins: cgroup.version == .v2 ? 1 : 0)
        }))
        image.cgroup_folder_count = Int32(folders.count)
        let writes = cgroup.limitWrites(limits, fresh: true)
        image.cgroup_writes = UnsafePointer(arena.array(writes.map { write in
            claunch_cgroup_write(folder: index(of: write.controller), file: UnsafePointer(arena.string(write.file)),
                                 value: UnsafePointer(arena.string(write.value)))
        }))
        image.cgroup_write_count = Int32(writes.count)
        let counters = cgroup.counterSources
        image.cgroup_counters = UnsafePointer(arena.array(counters.map { source in
            claunch_cgroup_counter(kind: source.kind.rawValue, folder: index(of: source.controller),
                                   file: UnsafePointer(arena.string(source.file)),
                                   key: source.key.map { UnsafePointer(arena.string($0)) }, scale: source.scale)
        }))
        image.cgroup_counter_count = Int32(counters.count)
        image.cgroup_counts_cpu = cgroup.countsCPU ? 1 : 0
    }

    /// The host's device nodes a root without the shared device folder
    /// binds one by one (the folder itself is among the target's prints).
    private static func deviceNodes(_ root: RootPlan) -> [String] {
        root.mounts.entries.filter { $0.kind == .bindDevice }.map(\.source)
    }

    static func name(of key: [UInt8]) -> String {
        var name = [CChar](repeating: 0, count: 69)
        key.withUnsafeBufferPointer { claunch_image_name($0.baseAddress, &name) }
        return String(cString: name)
    }
}
