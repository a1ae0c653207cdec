/// Turns a fully merged draft into the `SandboxProfile` the engine
/// compiles, after the checks that need the whole chain: mount points that
/// collide, records of calls that can never happen, a filter that could not
/// even exec the command, condition sets that would allow too much.
///
/// Settings nobody in the chain wrote take the strict defaults of the model
/// types (`network: none`, uid/gid 1000, a 256M workspace at /workspace,
/// fresh /proc and /dev, `ResourceLimits()`): a missing line never means
/// "unconfined".
struct ProfileFinalizer {
    var log: DiagnosticLog

    mutating func finalize(_ draft: ProfileDraft, name: String, file: String) -> SandboxProfile {
        let settings = draft.settings
        let workspace: WorkspacePolicy? = settings.workspaceEnabled?.value == false ? nil : WorkspacePolicy(
            path: settings.workspacePath?.value ?? WorkspacePolicy().path,
            sizeBytes: settings.workspaceSize?.value ?? WorkspacePolicy().sizeBytes)
        let filesystem = FilesystemPolicy(
            readOnly: settings.readOnly.map(\.value), writable: settings.writable.map(\.value),
            tmpfs: settings.tmpfs.keys.sorted().map { TmpfsMount(path: $0, sizeBytes: settings.tmpfs[$0]!.value) },
            workspace: workspace,
            symlinks: settings.symlinks.keys.sorted().map { Symlink(path: $0, target: settings.symlinks[$0]!.value) },
            proc: settings.proc?.value ?? true, dev: settings.dev?.value ?? true)
        checkMountPoints(settings, filesystem: filesystem, leafFile: file)

        let defaults = IdentityPolicy(), limits = ResourceLimits()
        let identity = IdentityPolicy(uid: settings.uid?.value ?? defaults.uid, gid: settings.gid?.value ?? defaults.gid,
                                      hostname: settings.hostname?.value ?? defaults.hostname)
        let resourceLimits = ResourceLimits(
            wallSeconds: settings.wallSeconds?.value ?? limits.wallSeconds,
            cpuSeconds: settings.cpuSeconds?.value ?? limits.cpuSeconds,
            memoryBytes: settings.memoryBytes?.value ?? limits.memoryBytes,
            processes: settings.processes?.value ?? limits.processes,
            outputBytes: settings.outputBytes?.value ?? limits.outputBytes,
            fileSizeBytes: settings.fileSizeBytes?.value ?? limits.fileSizeBytes,
            openFiles: settings.openFiles?.value ?? limits.openFiles)

        return SandboxProfile(
            name: name, description: settings.description?.value ?? "", filesystem: filesystem,
            network: settings.network?.value ?? .none, identity: identity,
            seccomp: seccompPolicy(draft, leafFile: file), limits: resourceLimits,
            environment: EnvironmentPolicy(set: settings.environment.mapValues(\.value)),
            record: recordList(draft))
    }

    /// The resolved filter: `allow` (every syscall that may run, conditioned
    /// ones included), EPERM `deny` (always including
    /// `SyscallRestrictions.alwaysDenied`), and `conditions`, with `clone`
    /// narrowed to `clone(arg0 &==0 namespace flags)`.
    private mutating func seccompPolicy(_ draft: ProfileDraft, leafFile: String) -> SeccompPolicy {
        var allowed = draft.allowed
        var conditions = draft.conditions
        if let cloneAt = allowed.removeValue(forKey: "clone") {
            // The engine masks clone as well; saying it here puts the rule in
            // the profile's digest and in `profile explain`.
            let mask = SyscallCondition(syscall: "clone", argument: 0, op: .maskedZero, value: SyscallRestrictions.cloneNamespaceFlags)
            conditions.append(Located(value: mask, location: cloneAt))
        }
        if allowed["execve"] == nil {
            log.error(SourceLocation(file: leafFile, line: 1, field: "seccomp.allow"),
                      "execve must be allowed: the filter is in force before the command is executed (add @default)")
        }
        for (syscall, group) in Dictionary(grouping: conditions, by: \.value.syscall) where group.count > 1 {
            if let condition = group.first(where: { $0.value.op != .equal }) {
                log.error(condition.location, "conditions on \(syscall) are alternatives (any one allows the call), so a \(condition.value.op.rawValue) condition beside others would allow almost every call; keep it alone or use only == values")
            }
        }
        let sortedConditions = conditions.map(\.value).sorted {
            ($0.syscall, $0.argument, $0.op.rawValue, $0.value) < ($1.syscall, $1.argument, $1.op.rawValue, $1.value)
        }
        let denied = Set(draft.denied.keys).union(SyscallRestrictions.alwaysDenied)
        // A conditioned syscall is listed in `allow` too: the compiler allows
        // the names in `allow`, each under its conditions when it has any.
        let allow = Set(allowed.keys).union(conditions.map(\.value.syscall))
        return SeccompPolicy(allow: allow.sorted(), deny: denied.sorted(), conditions: sortedConditions)
    }

    /// Recording observes calls that succeed; a call the filter refuses is
    /// always reported as denied, so recording it is a mistake worth naming.
    private mutating func recordList(_ draft: ProfileDraft) -> [String] {
        let conditioned = Set(draft.conditions.map(\.value.syscall))
        for (name, location) in draft.record where draft.allowed[name] == nil && !conditioned.contains(name) {
            log.error(location, "\(name) is not allowed by this profile, so there is nothing to record (refused calls are always reported)")
        }
        return draft.record.keys.sorted()
    }

    /// Every path in the new root is placed by exactly one entry, and
    /// nothing is mounted beneath a symlink (the mount would follow it).
    private mutating func checkMountPoints(_ settings: ProfileSettings, filesystem: FilesystemPolicy, leafFile: String) {
        let leafLocation = SourceLocation(file: leafFile, line: 1, field: "filesystem")
        var places: [(path: String, what: String, location: SourceLocation)] = []
        places += settings.readOnly.map { ($0.value.destination, "a read-only bind", $0.location) }
        places += settings.writable.map { ($0.value.destination, "a writable bind", $0.location) }
        places += settings.tmpfs.map { ($0.key, "a tmpfs", $0.value.location) }
        places += settings.symlinks.map { ($0.key, "a symlink", $0.value.location) }
        if let workspace = filesystem.workspace {
            places.append((workspace.path, "the workspace", settings.workspacePath?.location ?? leafLocation))
        }
        if filesystem.proc { places.append(("/proc", "the fresh /proc", settings.proc?.location ?? leafLocation)) }
        if filesystem.dev { places.append(("/dev", "the minimal /dev", settings.dev?.location ?? leafLocation)) }
        places.sort { ($0.location.file, $0.location.line, $0.path) < ($1.location.file, $1.location.line, $1.path) }

        var claimed: [String: (what: String, location: SourceLocation)] = [:]
        for place in places {
            if let earlier = claimed[place.path] {
                log.error(place.location, "\(place.path) is already \(earlier.what) (\(earlier.location.file):\(earlier.location.line)); each path in the sandbox is placed once")
            } else {
                claimed[place.path] = (place.what, place.location)
            }
        }
        for link in settings.symlinks.keys.sorted() {
            for place in places where place.path != link && SandboxPaths.isWithin(place.path, link) {
                log.error(place.location, "\(place.path) lies beneath the symlink \(link); mount at the link's target instead")
            }
        }
        // What the launch would refuse, said here so lint never says ok to
        // a profile that can't run: "/" is the fresh root itself, and /proc
        // and /dev are built by Airlock when the profile asks for them.
        let kernelFolders = (filesystem.proc ? ["/proc"] : []) + (filesystem.dev ? ["/dev"] : [])
        for place in places where place.what != "the fresh /proc" && place.what != "the minimal /dev" {
            if place.path == "/" {
                log.error(place.location, "/ is the sandbox's fresh root; place \(place.what) at a folder inside it")
            } else if let folder = kernelFolders.first(where: { SandboxPaths.isWithin(place.path, $0) }) {
                log.error(place.location, "\(place.path) lies inside \(folder), which Airlock builds itself; place \(place.what) elsewhere")
            }
        }
    }
}
