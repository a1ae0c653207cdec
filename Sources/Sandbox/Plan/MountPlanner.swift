import AirlockCore
import CJail
import Foundation

/// One entry of the new root, in Swift terms, before it becomes a C struct.
struct MountEntry: Hashable {
    enum Kind: Hashable {
        case bindReadOnly, bindWritable, bindDevice
        /// A folder of device nodes, read-only (see `DeviceFolder`).
        case bindDevices
        case tmpfs(options: String)
        /// A tmpfs the sandbox may not create files in: /dev without the
        /// shared device folder, a sealed child's /run/airlock.
        case fixedTmpfs(options: String)
        case proc
        case symlink(linkText: String)
        case file(contents: Data, mode: UInt32)
        case directory(mode: UInt32)
    }

    var kind: Kind
    /// Canonical host path for binds (symlinks resolved: the child opens
    /// it refusing any symlink); unused otherwise.
    var source: String
    var target: String
    var sourceIsDirectory: Bool

    var depth: Int { target.split(separator: "/").count }

    /// Whether the sandbox may write beneath `target` (Landlock gets a
    /// write rule for it).
    var isWritable: Bool {
        switch kind {
        case .bindWritable, .tmpfs: true
        default: false
        }
    }

    /// A bind of host storage (where Airlock never writes files of its own).
    var isBind: Bool {
        switch kind {
        case .bindReadOnly, .bindWritable, .bindDevice, .bindDevices: true
        default: false
        }
    }
}

/// Turns a profile's filesystem view (plus a request's extra binds) into the
/// ordered mount list the child applies when it builds its root (stage 1),
/// and a request's files into what it places once its command is known
/// (stage 2).
enum MountPlanner {
    static let injectedFilesDirectory = "/run/airlock"
    /// The injected-files tmpfs of a sealed child (see `placeableFiles`):
    /// as large as the root tmpfs a child's own stage 2 writes files into.
    /// Its mount stays writable, so Landlock (which grants nothing beneath
    /// it but reads) is what keeps the sandbox from changing it; the files
    /// are the call's own (a signed token), so changing one gains nothing.
    static let filesFolderOptions = "size=4194304,mode=0755"

    struct Plan {
        var entries: [MountEntry]
        /// Optional binds whose source was absent on this host.
        var skippedOptional: [String]
        var description: [String]
    }

    /// `deviceFolder`: the host's `DeviceFolder` to bind as /dev, or nil to
    /// bind each device into a tmpfs.
    /// `filesFolder`: a tmpfs at /run/airlock the parent places the
    /// command's files into (a sealed child's root is read-only by then).
    static func plan(_ fs: FilesystemPolicy, identity: IdentityPolicy, home: String?,
                     extraReadOnly: [BindMount], extraWritable: [BindMount], deviceFolder: String? = nil,
                     filesFolder: Bool = false) throws -> Plan {
        var entries: [MountEntry] = []
        var skipped: [String] = []
        for bind in fs.readOnly + extraReadOnly {
            if let entry = try bindEntry(bind, kind: .bindReadOnly) { entries.append(entry) } else { skipped.append(bind.source) }
        }
        for bind in fs.writable + extraWritable {
            if let entry = try bindEntry(bind, kind: .bindWritable) { entries.append(entry) } else { skipped.append(bind.source) }
        }
        for link in fs.symlinks {
            try checkInsidePath(link.path, what: "symlink")
            entries.append(MountEntry(kind: .symlink(linkText: link.target), source: "", target: link.path, sourceIsDirectory: false))
        }
        for tmpfs in fs.tmpfs {
            try checkInsidePath(tmpfs.path, what: "tmpfs")
            entries.append(MountEntry(kind: .tmpfs(options: "size=\(tmpfs.sizeBytes),mode=1777"), source: "",
                                      target: tmpfs.path, sourceIsDirectory: true))
        }
        if let workspace = fs.workspace {
            try checkInsidePath(workspace.path, what: "workspace")
            entries.append(MountEntry(kind: .tmpfs(options: "size=\(workspace.sizeBytes),mode=0700"), source: "",
                                      target: workspace.path, sourceIsDirectory: true))
        }
        try rejectPlacesBeneath(entries, links: fs.symlinks.map(\.path),
                                kernelFolders: (fs.proc ? ["/proc"] : []) + (fs.dev ? ["/dev"] : []))
        if fs.proc {
            entries.append(MountEntry(kind: .proc, source: "", target: "/proc", sourceIsDirectory: true))
        }
        if fs.dev { entries += deviceEntries(folder: deviceFolder) }
        if filesFolder {
            try rejectInsideBinds([injectedFilesDirectory], of: entries)
            entries.append(MountEntry(kind: .fixedTmpfs(options: filesFolderOptions), source: "", target: injectedFilesDirectory,
                                      sourceIsDirectory: true))
        }
        // A profile's symlink is a file Airlock writes: never onto host storage.
        try rejectInsideBinds(entries.compactMap { if case .symlink = $0.kind { $0.target } else { nil } }, of: entries)
        // A bound folder brings its own files: Airlock's would land on the host.
        let binds = entries.filter(\.isBind).map(\.target)
        entries += identityFiles(identity, home: home, alreadyPlaced: Set(entries.map(\.target))).filter { file in
            !binds.contains { SandboxPaths.isWithin(file.target, $0) }
        }
        try rejectDuplicateTargets(entries)
        let ordered = parentsFirst(entries)
        return Plan(entries: ordered, skippedOptional: skipped, description: describe(ordered))
    }

    /// A request's files (e.g. its credential), written into the new root
    /// once the command is known and before the root turns read-only.
    /// Their targets may not collide with anything the root already has.
    static func commandFiles(_ files: [InjectedFile], root: Plan) throws -> [MountEntry] {
        guard !files.isEmpty else { return [] }
        var entries = [MountEntry(kind: .directory(mode: 0o755), source: "", target: injectedFilesDirectory, sourceIsDirectory: true)]
        for file in files { try checkInsidePath(file.path, what: "injected file") }
        entries += fileEntries(files)
        let links = root.entries.compactMap { if case .symlink = $0.kind { $0.target } else { nil } }
        let kernelFolders = root.entries.compactMap { entry -> String? in
            if case .proc = entry.kind { return entry.target }
            return entry.target == "/dev" ? entry.target : nil
        }
        try rejectPlacesBeneath(entries, links: links, kernelFolders: kernelFolders)
        try rejectInsideBinds(entries.map(\.target), of: root.entries)
        try rejectDuplicateTargets(root.entries + entries)
        return parentsFirst(entries)
    }

    /// A request's files (a credential) and their folder go on the run's own
    /// root tmpfs, never into a bind: there they would be written to host
    /// storage, outlive the run and reach whatever else shares the folder.
    private static func rejectInsideBinds(_ targets: [String], of entries: [MountEntry]) throws {
        for target in targets {
            for bind in entries where bind.isBind && SandboxPaths.isWithin(target, bind.target) {
                throw AirlockError(.invalidArguments,
                    "\(target) would be written into the bind of \(bind.source) at \(bind.target), on the host; bind that folder elsewhere")
            }
        }
    }

    /// A request's files if the parent can place them all into a sealed
    /// child's injected-files tmpfs: each directly in /run/airlock, under a
    /// name of its own. Nil otherwise: such a request takes a child that
    /// writes its files itself, in stage 2.
    static func placeableFiles(_ files: [InjectedFile]) -> [InjectedFile]? {
        var paths: Set<String> = []
        for file in files {
            guard (try? checkInsidePath(file.path, what: "injected file")) != nil,
                  (file.path as NSString).deletingLastPathComponent == injectedFilesDirectory,
                  paths.insert(file.path).inserted else { return nil }
        }
        return files
    }

    /// A request's files as root entries: what a child writes in stage 2,
    /// and how the manifest lists files the parent placed.
    static func fileEntries(_ files: [InjectedFile]) -> [MountEntry] {
        files.map { MountEntry(kind: .file(contents: $0.contents, mode: $0.mode), source: "", target: $0.path, sourceIsDirectory: false) }
    }

    /// Parents before children, so nothing is mounted over what was put
    /// beneath it (a stable sort: equal depths keep the planned order).
    /// Depths are counted once, not in every comparison: the warm pool
    /// plans a root for each child it makes.
    private static func parentsFirst(_ entries: [MountEntry]) -> [MountEntry] {
        let depths = entries.map(\.depth)
        return entries.indices.sorted { (depths[$0], $0) < (depths[$1], $1) }.map { entries[$0] }
    }

    /// /etc/passwd and /etc/group naming only the sandbox's own user, so
    /// name lookups work without showing the host's accounts. A profile
    /// that binds either file keeps its own.
    private static func identityFiles(_ identity: IdentityPolicy, home: String?, alreadyPlaced: Set<String>) -> [MountEntry] {
        let files = [
            ("/etc/passwd", "root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:\(identity.uid):\(identity.gid):Airlock sandbox:\(home ?? "/"):/bin/sh\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n"),
            ("/etc/group", "root:x:0:\nsandbox:x:\(identity.gid):\nnogroup:x:65534:\n"),
        ]
        return files.filter { !alreadyPlaced.contains($0.0) }.map {
            MountEntry(kind: .file(contents: Data($0.1.utf8), mode: 0o444), source: "", target: $0.0, sourceIsDirectory: false)
        }
    }

    /// /dev: the host's `DeviceFolder` in one read-only bind, or (without
    /// one) a tmpfs holding a bind of each device and the links; either way
    /// a tmpfs of the run's own for /dev/shm.
    private static func deviceEntries(folder: String?) -> [MountEntry] {
        let sharedMemory = MountEntry(kind: .tmpfs(options: "size=16777216,mode=1777"), source: "", target: "/dev/shm",
                                      sourceIsDirectory: true)
        if let folder {
            return [MountEntry(kind: .bindDevices, source: folder, target: "/dev", sourceIsDirectory: true), sharedMemory]
        }
        var entries = [MountEntry(kind: .fixedTmpfs(options: "size=65536,mode=0755"), source: "", target: "/dev", sourceIsDirectory: true)]
        for device in DeviceFolder.devices {
            entries.append(MountEntry(kind: .bindDevice, source: "/dev/\(device)", target: "/dev/\(device)", sourceIsDirectory: false))
        }
        for (name, target) in DeviceFolder.links {
            entries.append(MountEntry(kind: .symlink(linkText: target), source: "", target: "/dev/\(name)", sourceIsDirectory: false))
        }
        return entries + [sharedMemory]
    }

    private static func bindEntry(_ bind: BindMount, kind: MountEntry.Kind) throws -> MountEntry? {
        try checkInsidePath(bind.destination, what: "bind destination")
        guard bind.source.hasPrefix("/") else {
            throw AirlockError(.invalidArguments, "bind source \(bind.source) must be an absolute path")
        }
        guard let canonical = try BindSourceGuard.resolve(bind.source) else {
            if bind.optional { return nil }
            throw AirlockError(.invalidArguments, "bind source \(bind.source) does not exist")
        }
        var info = stat()
        // lstat: the walk left no symlink in `canonical`; one here now was swapped in since.
        guard lstat(canonical, &info) == 0 else {
            throw AirlockError(.invalidArguments, "bind source \(bind.source) cannot be examined: \(String(cString: strerror(errno)))")
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        let isRegular = (info.st_mode & S_IFMT) == S_IFREG
        guard isDirectory || isRegular else {
            throw AirlockError(.invalidArguments, "bind source \(bind.source) is neither a directory nor a regular file")
        }
        return MountEntry(kind: kind, source: canonical, target: bind.destination, sourceIsDirectory: isDirectory)
    }

    /// Inside paths are absolute, normalized, and never climb with "..".
    static func checkInsidePath(_ path: String, what: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), path != "/", !components.dropFirst().contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
              !path.contains("\0")
        else {
            throw AirlockError(.invalidArguments, "\(what) \(path.debugDescription) must be an absolute, normalized path other than /")
        }
    }

    /// Binds, tmpfs mounts and links the profile or the request places
    /// can't lie beneath one of the root's symlinks (the child never
    /// reaches a target through one) nor inside the /proc or /dev Airlock
    /// builds itself: refused here, as bad input, rather than failing the
    /// launch once the child is made.
    private static func rejectPlacesBeneath(_ entries: [MountEntry], links: [String], kernelFolders: [String]) throws {
        for entry in entries {
            for link in links where entry.target != link && SandboxPaths.isWithin(entry.target, link) {
                throw AirlockError(.invalidArguments, "\(entry.target) lies beneath the symlink \(link); mount at the link's target instead")
            }
            for folder in kernelFolders where SandboxPaths.isWithin(entry.target, folder) {
                let place = entry.target == folder ? "\(folder) is" : "\(entry.target) lies inside \(folder), which is"
                throw AirlockError(.invalidArguments, "\(place) built by Airlock itself; mount it elsewhere")
            }
        }
    }

    private static func rejectDuplicateTargets(_ entries: [MountEntry]) throws {
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.target).inserted {
            throw AirlockError(.invalidArguments, "two mounts target \(entry.target); each path inside the sandbox can be mounted once")
        }
    }

    /// One manifest line per entry (directories are implied by what they hold).
    static func describe(_ entries: [MountEntry]) -> [String] {
        entries.compactMap { entry in
            switch entry.kind {
            case .bindReadOnly: "ro-bind \(entry.source) → \(entry.target)"
            case .bindWritable: "rw-bind \(entry.source) → \(entry.target)"
            case .tmpfs(let options), .fixedTmpfs(let options): "tmpfs \(entry.target) (\(options))"
            case .proc: "proc \(entry.target) (new pid namespace)"
            case .bindDevice: "dev \(entry.target)"
            case .bindDevices: "dev \(entry.target) (\(DeviceFolder.devices.joined(separator: ", ")), read-only, from \(entry.source))"
            case .symlink(let text): "symlink \(entry.target) → \(text)"
            case .file: "file \(entry.target) (read-only)"
            case .directory: nil
            }
        }
    }

    /// The C view of the entries, allocated in `arena`.
    static func cMounts(_ entries: [MountEntry], arena: CArena) -> UnsafeMutablePointer<cjail_mount> {
        let mounts = entries.map { entry -> cjail_mount in
            var m = cjail_mount()
            m.target = UnsafePointer(arena.string(entry.target))
            m.source = UnsafePointer(arena.string(entry.source))
            m.source_is_dir = entry.sourceIsDirectory ? 1 : 0
            switch entry.kind {
            case .bindReadOnly: m.kind = Int32(CJAIL_MOUNT_BIND_RO.rawValue)
            case .bindWritable: m.kind = Int32(CJAIL_MOUNT_BIND_RW.rawValue)
            case .bindDevice: m.kind = Int32(CJAIL_MOUNT_BIND_DEV.rawValue)
            case .bindDevices: m.kind = Int32(CJAIL_MOUNT_BIND_DEVICES.rawValue)
            case .tmpfs(let options), .fixedTmpfs(let options):
                m.kind = Int32(CJAIL_MOUNT_TMPFS.rawValue)
                m.data = UnsafePointer(arena.string(options))
            case .proc: m.kind = Int32(CJAIL_MOUNT_PROC.rawValue)
            case .symlink(let text):
                m.kind = Int32(CJAIL_MOUNT_SYMLINK.rawValue)
                m.source = UnsafePointer(arena.string(text))
            case .file(let contents, let mode):
                m.kind = Int32(CJAIL_MOUNT_FILE.rawValue)
                m.data = UnsafePointer(arena.bytes(contents))
                m.data_len = contents.count
                m.mode = mode
            case .directory(let mode):
                m.kind = Int32(CJAIL_MOUNT_DIR.rawValue)
                m.mode = mode
            }
            return m
        }
        return arena.array(mounts)
    }
}
