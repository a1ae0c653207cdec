import AirlockCore
import Executor
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The socket file's lifecycle on disk.
///
/// A daemon that crashed leaves its socket file behind; binding would then
/// fail with EADDRINUSE, so a stale file is removed. But a file that a live
/// daemon is serving must never be taken over (two daemons would split the
/// agents between them), so "stale" is decided by connecting to it: only
/// ECONNREFUSED (nobody listening) makes it safe to remove. A path that is
/// not a socket at all is never deleted.
enum SocketFile {
    static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            // 0755: group members of the socket must be able to reach it.
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw AirlockError(.setupFailed, "cannot create the socket directory \(directory): \(error.localizedDescription)")
            }
        }
        try requireOwnedDirectory(directory)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw AirlockError(.conflict, "\(path) exists and is not a socket; refusing to replace it")
        }
        switch probe(path) {
        case .listening:
            throw AirlockError(.conflict, "another daemon is already serving \(path); stop it or choose another socket path")
        case .stale:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw AirlockError(.setupFailed, "cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
            }
        case .unknown(let error):
            throw AirlockError(.conflict, "cannot tell whether \(path) is in use (\(error)); not replacing it")
        }
    }

    /// The socket's directory must be one only the daemon's user (or root)
    /// can write: anyone else who can write it can rename the socket away
    /// and bind their own in its place, receiving the agents' calls (and
    /// the approvers' decisions) and answering them. It also means the
    /// chmod and chown after bind cannot be redirected.
    static func requireOwnedDirectory(_ directory: String) throws {
        try OwnedPath.requireDirectory(directory, role: "the socket directory")
    }

    enum ProbeResult { case listening, stale, unknown(String) }

    static func probe(_ path: String) -> ProbeResult {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .unknown(String(cString: strerror(errno))) }
        defer { close(fd) }
        guard let address = UnixAddress(path) else { return .unknown("path too long") }
        let result = address.withSockaddr { connect(fd, $0, $1) }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED, ENOENT: return .stale
        case EAGAIN: return .listening  // backlog full: someone is definitely listening
        default: return .unknown(String(cString: strerror(errno)))
        }
    }

    /// A listening socket at `path` whose file never allows more than
    /// `mode`: bind creates the file with the process's umask and it accepts
    /// connections at once, so the socket is narrowed to its owner before
    /// bind (the kernel takes the new file's mode from the socket's own),
    /// and the group and full mode are applied only once it exists.
    /// Returns the descriptor, for NIO's `withBoundSocket`.
    static func listen(_ path: String, mode: UInt32, group: String?, backlog: Int32) throws -> CInt {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AirlockError(.setupFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))") }
        var bound = false
        do {
            guard let address = UnixAddress(path) else { throw AirlockError(.invalidConfig, "socket path \(path) is too long") }
            guard fchmod(fd, mode_t(mode & 0o700)) == 0, address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
                throw AirlockError(.setupFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
            }
            bound = true
            guard Glibc.listen(fd, backlog) == 0 else {
                throw AirlockError(.setupFailed, "cannot listen on \(path): \(String(cString: strerror(errno)))")
            }
            try applyPermissions(path, mode: mode, group: group)
            return fd
        } catch {
            close(fd)
            if bound { unlink(path) }
            throw error
        }
    }

    /// Applies the configured mode and group after bind.
    static func applyPermissions(_ path: String, mode: UInt32, group: String?) throws {
        if let group {
            let gid: gid_t
            if let numeric = gid_t(group) {
                gid = numeric
            } else if let entry = getgrnam(group) {
                gid = entry.pointee.gr_gid
            } else {
                throw AirlockError(.invalidConfig, "socket_group '\(group)' is not a group on this host")
            }
            guard chown(path, uid_t.max, gid) == 0 else {
                throw AirlockError(.setupFailed, "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw AirlockError(.setupFailed, "cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// A `sockaddr_un` for a filesystem path.
struct UnixAddress {
    private var storage = sockaddr_un()

    init?(_ path: String) {
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
