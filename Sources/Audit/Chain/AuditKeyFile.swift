import AirlockCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The checkpoint signing key's file. Whoever reads it can sign a rewritten
/// trail, so it is never readable by anyone but the daemon's user, not even
/// for a moment: it is created under a temporary name with
/// `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600 from the first byte (whatever
/// the umask or the directory's mode), written, fsynced, then linked into
/// place without replacing anything. An existing key is opened without
/// following a link and refused when its owner is another user or group or
/// others have any access: such a key may have been read, and a signature
/// from it proves nothing.
enum AuditKeyFile {
    static func loadOrCreate(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if let existing = try load(at: path) { return existing }
        let key = Curve25519.Signing.PrivateKey()
        try create(path, contents: Array(AuditKeys.privateKeyPEM(key).utf8))
        return key
    }

    /// The key at `path`, `nil` when there is none.
    static func load(at path: String) throws -> Curve25519.Signing.PrivateKey? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw AirlockError(.invalidConfig, "audit signing key \(path) is not a regular file")
        }
        guard info.st_uid == geteuid() else {
            throw AirlockError(.invalidConfig, "audit signing key \(path) is owned by uid \(info.st_uid), not by the "
                               + "daemon's uid \(geteuid()); a key someone else controls proves nothing (chown it, or remove it)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AirlockError(.invalidConfig, "audit signing key \(path) has mode \(String(info.st_mode & 0o777, radix: 8)): "
                               + "others may have read it, so its signatures prove nothing. If it can't have been read, "
                               + "chmod 600 \(path); otherwise start a new trail with a new key")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return try AuditKeys.privateKey(from: String(decoding: bytes, as: UTF8.self))
    }

    private static func create(_ path: String, contents: [UInt8]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            // New directories are the daemon's alone; an existing one keeps its mode.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let temporary = path + ".new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create", temporary) }
        defer { unlink(temporary) }
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == contents.count && fsync(fd) == 0
        close(fd)
        guard synced else { throw failure("write", temporary) }
        // link, not rename: never replaces a key that appeared meanwhile.
        guard link(temporary, path) == 0 else { throw failure("create", path) }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            defer { close(directoryFD) }
            guard fsync(directoryFD) == 0 else { throw failure("fsync the directory of", path) }
        }
    }

    private static func failure(_ action: String, _ path: String) -> AirlockError {
        AirlockError(.invalidConfig, "cannot \(action) audit signing key \(path): \(String(cString: strerror(errno)))")
    }
}
