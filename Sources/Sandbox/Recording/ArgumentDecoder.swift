import CJail
import Foundation

/// Reads pointer arguments of a trapped syscall out of the caller's memory,
/// to say *what* was touched (paths, socket addresses). Observation only:
/// the caller can change this memory after we read it, so nothing here is
/// ever used to decide anything.
enum ArgumentDecoder {
    /// (path argument indexes) for path-taking syscalls, x86_64/aarch64 names.
    static let pathArguments: [String: [Int]] = [
        "execve": [0], "execveat": [1], "open": [0], "openat": [1], "openat2": [1], "creat": [0],
        "unlink": [0], "unlinkat": [1], "rmdir": [0], "mkdir": [0], "mkdirat": [1],
        "rename": [0, 1], "renameat": [1, 3], "renameat2": [1, 3], "link": [0, 1], "linkat": [1, 3],
        "symlink": [0, 1], "symlinkat": [0, 2], "chmod": [0], "fchmodat": [1], "fchmodat2": [1],
        "chown": [0], "lchown": [0], "fchownat": [1], "truncate": [0], "mknod": [0], "mknodat": [1],
        "chdir": [0], "chroot": [0], "mount": [1], "umount2": [0], "pivot_root": [0, 1],
        "open_tree": [1], "fsopen": [0], "move_mount": [1, 3], "utimensat": [1],
    ]
    /// (address argument, length argument) for socket-address syscalls.
    static let addressArguments: [String: (Int, Int)] = ["connect": (1, 2), "bind": (1, 2), "sendto": (4, 5)]

    static func path(of name: String, args: [UInt64], pid: pid_t) -> String? {
        guard let indexes = pathArguments[name] else { return nil }
        let parts = indexes.compactMap { args[$0] == 0 ? nil : readString(pid: pid, address: args[$0]) }
        // execveat(fd, "", AT_EMPTY_PATH) runs the file fd holds: name that file.
        if name == "execveat", parts.allSatisfy(\.isEmpty), args[4] & Self.atEmptyPath != 0 {
            return descriptorTarget(pid: pid, fd: args[0])
        }
        return parts.isEmpty ? nil : parts.joined(separator: " -> ")
    }

    /// AT_EMPTY_PATH from <fcntl.h>, which Glibc only declares under _GNU_SOURCE.
    static let atEmptyPath: UInt64 = 0x1000

    /// What the caller's descriptor `fd` refers to, as its /proc link
    /// says (a path inside the sandbox's mount namespace).
    static func descriptorTarget(pid: pid_t, fd: UInt64) -> String? {
        guard fd <= UInt64(Int32.max) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/\(pid)/fd/\(fd)", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return "fd \(fd): " + String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func address(of name: String, args: [UInt64], pid: pid_t) -> String? {
        guard let (addressIndex, lengthIndex) = addressArguments[name], args[addressIndex] != 0 else { return nil }
        let length = Int(min(args[lengthIndex], 128))
        guard length >= 2 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        let got = bytes.withUnsafeMutableBytes { cjail_read_memory(pid, args[addressIndex], $0.baseAddress, length) }
        guard got >= 2 else { return nil }
        return describeSockaddr(Array(bytes.prefix(Int(got))))
    }

    static func describeSockaddr(_ bytes: [UInt8]) -> String? {
        let family = Int32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
        switch family {
        case AF_INET where bytes.count >= 8:
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            return "\(bytes[4]).\(bytes[5]).\(bytes[6]).\(bytes[7]):\(port)"
        case AF_INET6 where bytes.count >= 24:
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            let groups = stride(from: 8, to: 24, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        case AF_UNIX:
            let path = bytes.dropFirst(2)
            if path.first == 0 {
                return "@" + String(decoding: path.dropFirst().prefix { $0 != 0 }, as: UTF8.self)
            }
            return String(decoding: path.prefix { $0 != 0 }, as: UTF8.self)
        default:
            return "family \(family)"
        }
    }

    /// A NUL-terminated string, read page by page so a string that ends
    /// just before an unmapped page is still read.
    static func readString(pid: pid_t, address: UInt64, limit: Int = 4096) -> String? {
        var result: [UInt8] = []
        var cursor = address
        while result.count < limit {
            let toPageEnd = 4096 - Int(cursor % 4096)
            var chunk = [UInt8](repeating: 0, count: min(toPageEnd, limit - result.count))
            let got = chunk.withUnsafeMutableBytes { cjail_read_memory(pid, cursor, $0.baseAddress, $0.count) }
            guard got > 0 else { break }
            if let end = chunk.prefix(Int(got)).firstIndex(of: 0) {
                result += chunk[..<end]
                return String(decoding: result, as: UTF8.self)
            }
            result += chunk.prefix(Int(got))
            cursor += UInt64(got)
        }
        return result.isEmpty ? nil : String(decoding: result, as: UTF8.self) + "…"
    }
}
