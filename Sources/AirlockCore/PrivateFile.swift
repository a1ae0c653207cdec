import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold secrets (token signing keys, the audit checkpoint key,
/// tools' and webhooks' secrets), under one rule wherever they are used:
/// created with their final mode from the first byte (never written
/// world-readable and chmodded later), put in place atomically and durably,
/// and refused on read when another user owns them (theirs to change) or
/// group or others have any access (leaked already).
public enum PrivateFile {
    /// Creates `path` (and parents) as a directory with mode 0700, and
    /// tightens it to 0700 if it already exists.
    public static func ensureDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        guard chmod(path, 0o700) == 0 else {
            throw AirlockError(.invalidConfig, "cannot set mode 0700 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `data` to `path` with `mode` via a temporary file, then a
    /// rename, and syncs the folder so the new name survives a crash. With
    /// `exclusive`, fails with EEXIST instead of replacing anything (a link,
    /// not a rename, puts it in place).
    public static func write(_ data: Data, to path: String, mode: mode_t, exclusive: Bool = false) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // O_EXCL also refuses a link planted at the temporary name.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        defer { unlink(temporary) }
        let written = data.withUnsafeBytes { buffer in
            buffer.baseAddress.map { Glibc.write(fd, $0, buffer.count) } ?? 0
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else { throw failure("write", temporary) }
        if exclusive {
            guard link(temporary, path) == 0 else { throw failure("create", path) }
        } else {
            guard rename(temporary, path) == 0 else { throw failure("replace", path) }
        }
        // The file is in place from here on: a failure says so, so that a
        // caller does not take it for a file that was never written.
        let folder = (path as NSString).deletingLastPathComponent
        let folderFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folderFD >= 0 else { throw failure("open the folder of", path, after: "written") }
        defer { close(folderFD) }
        guard fsync(folderFD) == 0 else { throw failure("sync the folder of", path, after: "written") }
    }

    /// Reads a secret file; see `readPrivateIfPresent`.
    public static func readPrivate(_ path: String, followingLinks: Bool = true) throws -> Data {
        guard let data = try readPrivateIfPresent(path, followingLinks: followingLinks) else {
            throw AirlockError(.invalidConfig, "cannot read \(path): \(String(cString: strerror(ENOENT)))")
        }
        return data
    }

    /// A secret file's contents, nil when there is none. What is checked is
    /// the file actually opened (one descriptor: no swap between the check
    /// and the read): a regular file (a FIFO could hang the daemon), owned
    /// by this process's user or root, with no access for group or others.
    /// Without `followingLinks` a symlink is refused, dangling or not.
    public static func readPrivateIfPresent(_ path: String, followingLinks: Bool = true) throws -> Data? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw AirlockError(.invalidConfig, "\(path) is not a regular file; a secret must be one")
        }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw AirlockError(.invalidConfig, "\(path) belongs to uid \(info.st_uid); give it to uid \(geteuid()) or root")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AirlockError(.invalidConfig,
                               "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); a secret file must be 0600 (chmod 600 \(path))")
        }
        var bytes = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }

    static func failure(_ action: String, _ path: String, after done: String? = nil) -> AirlockError {
        AirlockError(.invalidConfig, "cannot \(action) \(path)\(done.map { " (it was \($0), but may not survive a crash)" } ?? ""): "
                     + String(cString: strerror(errno)))
    }
}
