import Foundation

/// A minimal /dev kept on the host, which a sandbox's root binds read-only
/// in one mount: the host's null, zero, full, random and urandom nodes
/// (made with mknod, so the same devices), the fd/stdin/stdout/stderr links
/// into /proc, and an empty `shm` folder the run's own tmpfs covers.
///
/// Binding each device, making a tmpfs for them and linking four names was
/// a dozen mounts and some fifty syscalls per launch, and as many mounts to
/// tear down after it: most of a root's cost after /usr.
///
/// The folder lives in the host's /dev (a devtmpfs: device nodes work there,
/// only root can write, and a reboot clears it). It is made once, under a
/// temporary name and renamed into place, so concurrent engines never see a
/// half-made one. A folder that is not exactly what Airlock makes (an extra
/// entry, another owner or mode, a node for another device) is never
/// altered and never used: launches then bind each device as before.
/// Making one needs root (mknod); other hosts use the per-device binds.
///
/// Sharing it is safe because nothing in it can change from inside: the
/// bind is read-only (no create, unlink, chmod or utimes), Landlock grants
/// /dev only reads, writes and device ioctls, and a sandbox holds no
/// capability to remount. Writes to the nodes reach the devices, as with
/// per-device binds.
public enum DeviceFolder {
    public static let defaultPath = "/dev/.airlock-sandbox-dev-v1"

    /// The devices a sandbox's /dev holds, by name.
    static let devices = ["null", "zero", "full", "random", "urandom"]
    static let links = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                        ("stderr", "/proc/self/fd/2")]
    static let sharedMemoryFolder = "shm"
    /// statvfs's ST_NODEV (glibc declares it only for GNU sources).
    private static let noDevicesFlag: UInt = 4

    /// The process's folder at `defaultPath`, made on first use; nil when
    /// this host can't have one or what is there is not Airlock's.
    public static let shared: String? = prepare(at: defaultPath)

    /// The folder at `path`, made if it is missing; nil if it cannot be
    /// made or what is there is not exactly what `make` would make.
    public static func prepare(at path: String) -> String? {
        if !exists(path) { make(at: path) }
        return isExact(path) ? path : nil
    }

    /// Whether `path` holds exactly Airlock's folder: owned by root, mode
    /// 0755, on a filesystem where device nodes work, with the five nodes
    /// (the host's own devices, mode 0666), the four links and `shm`, and
    /// nothing else.
    public static func isExact(_ path: String) -> Bool {
        guard let folder = status(path), folder.st_uid == 0, folder.st_mode == S_IFDIR | 0o755 else { return false }
        var filesystem = statvfs()
        guard statvfs(path, &filesystem) == 0, filesystem.f_flag & noDevicesFlag == 0 else { return false }
        let expected = Set(devices + links.map(\.0) + [sharedMemoryFolder])
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path), Set(names) == expected,
              names.count == expected.count else { return false }
        for device in devices {
            guard let node = status("\(path)/\(device)"), let host = status("/dev/\(device)"),
                  node.st_mode == S_IFCHR | 0o666, node.st_uid == 0, (host.st_mode & S_IFMT) == S_IFCHR,
                  node.st_rdev == host.st_rdev else { return false }
        }
        for (name, target) in links {
            guard let link = status("\(path)/\(name)"), (link.st_mode & S_IFMT) == S_IFLNK, link.st_uid == 0,
                  (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(path)/\(name)")) == target else { return false }
        }
        guard let shm = status("\(path)/\(sharedMemoryFolder)"), shm.st_mode == S_IFDIR | 0o755, shm.st_uid == 0 else { return false }
        return true
    }

    /// Builds the folder under a temporary name and renames it into place.
    /// Losing the race to another process is fine: its folder is checked
    /// like any other.
    private static func make(at path: String) {
        let staging = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { removeStaging(staging) }
        guard mkdir(staging, 0o700) == 0 else { return }
        for device in devices {
            guard let host = status("/dev/\(device)"), (host.st_mode & S_IFMT) == S_IFCHR,
                  mknod("\(staging)/\(device)", S_IFCHR | 0o666, host.st_rdev) == 0,
                  chmod("\(staging)/\(device)", 0o666) == 0 else { return }
        }
        for (name, target) in links {
            guard symlink(target, "\(staging)/\(name)") == 0 else { return }
        }
        guard mkdir("\(staging)/\(sharedMemoryFolder)", 0o755) == 0, chmod("\(staging)/\(sharedMemoryFolder)", 0o755) == 0,
              chmod(staging, 0o755) == 0 else { return }
        _ = rename(staging, path)
    }

    /// Removes what is left of a staging folder (all of it after a failure
    /// or a lost race; nothing after a successful rename).
    private static func removeStaging(_ staging: String) {
        guard exists(staging) else { return }
        for name in devices + links.map(\.0) { unlink("\(staging)/\(name)") }
        rmdir("\(staging)/\(sharedMemoryFolder)")
        rmdir(staging)
    }

    private static func exists(_ path: String) -> Bool { status(path) != nil }

    /// lstat: a link is examined, never followed.
    private static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }
}
