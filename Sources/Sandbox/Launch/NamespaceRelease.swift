import Foundation

/// Drops the last reference to a finished sandbox's mount namespace off the
/// launch's critical path. Unmounting a whole root (and the RCU grace
/// periods that come with it) would otherwise run inside the child's exit,
/// before its pidfd reports it gone; here it runs on a background queue
/// after the result is on its way.
enum NamespaceRelease {
    private static let queue = DispatchQueue(label: "airlock.namespace-release", qos: .utility)

    /// Closes `fd` (-1: the namespace went with the child), then runs
    /// `then`, on the background queue.
    static func later(_ fd: Int32, then: @escaping @Sendable () -> Void = {}) {
        guard fd >= 0 else { return then() }
        queue.async {
            close(fd)
            then()
        }
    }
}
