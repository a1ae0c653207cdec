import AirlockCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold secrets: created with their final mode from the first
/// byte (never written world-readable and chmodded later), replaced
/// atomically, and refused on read when others could have read them.
enum PrivateFile {
    /// Creates `path` (and parents) as a directory with mode 0700, and
    /// tightens it to 0700 if it already exists.
    static func ensureDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        guard chmod(path, 0o700) == 0 else {
            throw AirlockError(.invalidConfig, "cannot set mode 0700 on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `data` to `path` with `mode` via a temporary file and rename.
    /// With `exclusive`, fails with EEXIST instead of replacing.
    static func write(_ data: Data, to path: String, mode: mode_t, exclusive: Bool = false) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
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
    }

    /// Reads a secret file (a signing key, a tool's or a webhook's secret),
    /// refusing it when group or others have any access (it is leaked
    /// already) or another user owns it (it is theirs to change).
    static func readPrivate(_ path: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("read", path) }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw AirlockError(.invalidConfig, "\(path) belongs to uid \(info.st_uid); give it to uid \(geteuid()) or root")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AirlockError(.invalidConfig,
                               "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); a secret file must be 0600 (chmod 600 \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("read", path) }
        return data
    }

    static func failure(_ action: String, _ path: String) -> AirlockError {
        AirlockError(.invalidConfig, "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
