import Foundation

/// Sockets the tests open on the host for the sandbox to aim at. Each binds
/// a fresh address (port 0, a random abstract name, a random vsock port) so
/// parallel tests never share one, and reports afterwards whether anything
/// at all arrived.
final class HostListener {
    enum Kind { case tcp, udp, abstractUnix, vsock }

    let kind: Kind
    let fd: Int32
    /// The port (tcp/udp/vsock) or abstract name (unix), as the tool takes it.
    let address: String

    init(_ kind: Kind) throws {
        self.kind = kind
        let flags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let (fd, address): (Int32, String)
        switch kind {
        case .tcp: (fd, address) = try Self.inet(Int32(SOCK_STREAM.rawValue) | flags)
        case .udp: (fd, address) = try Self.inet(Int32(SOCK_DGRAM.rawValue) | flags)
        case .abstractUnix: (fd, address) = try Self.abstract(Int32(SOCK_STREAM.rawValue) | flags)
        case .vsock: (fd, address) = try Self.vsock(Int32(SOCK_STREAM.rawValue) | flags)
        }
        self.fd = fd
        self.address = address
        if kind != .udp && listen(fd, 16) < 0 {
            close(fd)
            throw ListenerError(what: "listen", code: errno)
        }
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

    /// 127.0.0.1, port chosen by the kernel.
    private static func inet(_ type: Int32) throws -> (Int32, String) {
        let fd = try open(AF_INET, type)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        try bindOrClose(fd, &sin, socklen_t(MemoryLayout<sockaddr_in>.size))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, String(UInt16(bigEndian: sin.sin_port)))
    }

    private static func abstract(_ type: Int32) throws -> (Int32, String) {
        let fd = try open(AF_UNIX, type)
        let name = "airlock-test-\(UUID().uuidString.prefix(12).lowercased())"
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &sun.sun_path) { path in
            for (i, byte) in bytes.enumerated() { path[i + 1] = byte }  // path[0] == 0: abstract
        }
        try bindOrClose(fd, &sun, socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count))
        return (fd, name)
    }

    private static func vsock(_ type: Int32) throws -> (Int32, String) {
        let fd = try open(vsockFamily, type)
        for _ in 0..<20 {
            var svm = sockaddr_vm()
            svm.svm_family = sa_family_t(vsockFamily)
            svm.svm_cid = UInt32.max  // VMADDR_CID_ANY
            svm.svm_port = UInt32.random(in: 40_000...60_000)
            let rc = withUnsafePointer(to: &svm) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_vm>.size)) }
            }
            if rc == 0 { return (fd, String(svm.svm_port)) }
        }
        let code = errno
        close(fd)
        throw ListenerError(what: "bind a vsock port", code: code)
    }

    private static func open(_ family: Int32, _ type: Int32) throws -> Int32 {
        let fd = socket(family, type, 0)
        if fd < 0 { throw ListenerError(what: "socket(\(family))", code: errno) }
        return fd
    }

    private static func bindOrClose<Address>(_ fd: Int32, _ address: inout Address, _ size: socklen_t) throws {
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        if rc < 0 {
            let code = errno
            close(fd)
            throw ListenerError(what: "bind", code: code)
        }
    }

    /// AF_VSOCK (<linux/socket.h>).
    static let vsockFamily: Int32 = 40
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
