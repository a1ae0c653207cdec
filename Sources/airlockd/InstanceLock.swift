import AirlockCore
import Executor
import Foundation

/// One daemon per state directory. A second `airlockd` on the same state
/// would recover the first one's approval queue (marking its running
/// actions failed) and append to its audit trail before finding the
/// sockets taken; the lock is taken first, so it stops before touching
/// anything. The state directory must be the daemon's own (see
/// `OwnedPath`): its keys and trail are only as safe as the folder.
enum InstanceLock {
    static let fileName = "airlockd.lock"

    /// Held until the process exits (the kernel releases the locks then,
    /// crash or not).
    nonisolated(unsafe) private static var heldDescriptors: [Int32] = []

    /// Creates the state directory (0700) when missing, checks it, and
    /// takes its lock; throws `conflict` naming the other daemon's pid.
    static func acquire(stateDirectory: String) throws {
        if mkdir(stateDirectory, 0o700) != 0 && errno != EEXIST {
            // A missing parent: create the chain, the last folder 0700.
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try OwnedPath.requireDirectory(stateDirectory, role: "the state directory")
        try lock((stateDirectory as NSString).appendingPathComponent(fileName),
                 guarding: "the state directory \(stateDirectory)")
    }

    /// A store kept outside the state directory (the approval queue can
    /// be) gets a lock of its own beside it: two daemons sharing only that
    /// store would otherwise still recover each other's records.
    static func acquire(store path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try OwnedPath.requireDirectory(folder, role: "the folder of \(path)")
        try lock(path + ".lock", guarding: path)
    }

    private static func lock(_ path: String, guarding what: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw AirlockError(.setupFailed, "cannot open the instance lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.recordedPID(fd).map { "pid \($0)" } ?? "another process"
            close(fd)
            throw AirlockError(.conflict, "another airlockd (\(holder)) is using \(what); stop it first, "
                + "or give this daemon its own audit.database and approvers.database")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        heldDescriptors.append(fd)
    }

    private static func recordedPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
