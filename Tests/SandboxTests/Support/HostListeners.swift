import Foundation

/// Sockets the tests open on the host for the sandbox to aim at. Each binds
/// a fresh address (port 0, a random abstract name) so parallel tests never
/// share one, and reports afterwards whether anything at all arrived.
final class HostListener {
    enum Kind { case tcp, udp, abstractUnix, vsock }

    let kind: Kind
    let fd: Int32
    /// The port (tcp/udp/vsock) or abstract name (unix) as the tool takes it.
    let address: String

    init(_ kind: Kind) throws {
        self.kind = kind
        switch kind {
        case .tcp, .udp:
            fd = socket(AF_INET, Int32(kind == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = inet_addr("127.0.0.1")
            try Self.check(withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }, "bind")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            try Self.check(withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }, "getsockname")
            address = String(UInt16(bigEndian: sin.sin_port))
        case .abstractUnix:
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            address = "airlock-test-\(UUID().uuidString.prefix(12).lowercased())"
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let name = Array(address.utf8)
            withUnsafeMutableBytes(of: &sun.sun_path) { path in
                for (i, byte) in name.enumerated() { path[i + 1] = byte }
            }
            let size = socklen_t(MemoryLayout<sa_family_t>.size + 1 + name.count)
            try Self.check(withUnsafePointer(to: &sun) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }, "bind")
        case .vsock:
            fd = socket(AF_VSOCK, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            try Self.check(fd, "socket(AF_VSOCK)")
            var bound: String?
            for _ in 0..<20 {
                let port = UInt32.random(in: 40_000...60_000)
                var svm = sockaddr_vm()
                svm.svm_family = sa_family_t(AF_VSOCK)
                svm.svm_cid = UInt32.max  // VMADDR_CID_ANY
                svm.svm_port = port
                let rc = withUnsafePointer(to: &svm) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_vm>.size)) } }
                if rc == 0 { bound = String(port); break }
            }
            guard let bound else { close(fd); throw ListenerError(what: "bind a vsock port", code: errno) }
            address = bound
        }
        try Self.check(fd, "socket")
        if kind != .udp { try Self.check(listen(fd, 16), "listen") }
    }

    deinit { close(fd) }

    /// True when a connection is waiting or a datagram arrived.
    var sawAnything: Bool {
        if kind == .udp {
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) >= 0
        }
        let client = accept(fd, nil, nil)
        if client >= 0 { close(client); return true }
        return false
    }

    private static func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw ListenerError(what: what, code: errno) }
    }
}

struct ListenerError: Error, CustomStringConvertible {
    let what: String
    let code: Int32
    var description: String { "\(what) failed: \(String(cString: strerror(code)))" }
}

/// `struct sockaddr_vm` from <linux/vm_sockets.h>, which Glibc's module
/// does not export.
struct sockaddr_vm {
    var svm_family: sa_family_t = 0
    var svm_reserved1: UInt16 = 0
    var svm_port: UInt32 = 0
    var svm_cid: UInt32 = 0
    var svm_flags: UInt8 = 0
    var svm_zero: (UInt8, UInt8, UInt8) = (0, 0, 0)
}

let AF_VSOCK: Int32 = 40
