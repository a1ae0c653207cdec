#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// The kernel's statement of who is at the other end of a Unix socket
/// (SO_PEERCRED): fixed at connect time, so a client cannot claim to be
/// someone else in its messages.
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Layout of Linux's `struct ucred` (pid_t, uid_t, gid_t), which Glibc
    /// only declares under _GNU_SOURCE.
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// SO_PEERCRED from <asm-generic/socket.h>.
    static let soPeerCred: Int32 = 17

    /// Reads the peer credentials of an accepted Unix-socket channel.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }

    /// The credentials of the peer of a connected Unix socket `fd` (the
    /// client's view of the server), or nil when the kernel gives none.
    static func ofConnectedSocket(_ fd: Int32) -> PeerCredentials? {
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, soPeerCred, &credentials, &length) == 0,
              length == socklen_t(MemoryLayout<UCred>.size) else { return nil }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}

