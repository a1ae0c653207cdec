import AirlockCore
import Foundation

/// Open descriptors for the counter files a pooled cgroup reads (and, for
/// v1's memory peak, resets) on every run.
///
/// A pooled cgroup serves many runs, and each open of a cgroupfs file walks
/// its path again: with a dozen per run, the opens were 3-4 % of the CPU a
/// sustained stream of launches used. Kept open, a run's bookkeeping is a
/// few `pread`s; reading at offset 0 makes the kernel produce the file's
/// current value again. Only single-value and flat keyed files belong here:
/// v1's member lists (`cgroup.procs`, `tasks`) keep their pid list per open
/// file and would go stale, so those are opened afresh each time.
final class CgroupCounterFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptors: [String: Int32] = [:]

    /// The file's current text (counter files are one page at most), or nil
    /// if it cannot be opened or read.
    func read(_ path: String) -> String? {
        guard let fd = descriptor(path) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    func write(_ text: String, to path: String) throws {
        guard let fd = descriptor(path) else {
            throw AirlockError(.setupFailed, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let written = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        guard written >= 0 else {
            throw AirlockError(.setupFailed, "cannot write \(text) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Closes every descriptor (before the cgroup is removed).
    func closeAll() {
        let open = lock.withLock { () -> [Int32] in
            defer { descriptors.removeAll() }
            return Array(descriptors.values)
        }
        for fd in open { close(fd) }
    }

    deinit { for fd in descriptors.values { close(fd) } }

    /// Read-write where the file allows it (v1's peak is read and reset
    /// through one descriptor), read-only otherwise.
    private func descriptor(_ path: String) -> Int32? {
        lock.withLock {
            if let fd = descriptors[path] { return fd }
            var fd = open(path, O_RDWR | O_CLOEXEC)
            if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else { return nil }
            descriptors[path] = fd
            return fd
        }
    }
}
