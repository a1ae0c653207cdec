import Foundation

/// How the processes a sandbox forked ended, from the kernel's
/// process-events connector (read by the shared `ProcessEventHub`).
///
/// An rlimit hit by a descendant (a shell's child killed by SIGXFSZ or
/// SIGXCPU) ends that process alone, and its own parent reaps it: neither
/// the command's exit status nor the cgroup's counters show it. The
/// connector reports every fork and exit on the host; this follows the
/// sandbox's process tree from its init's host pid and counts the signals
/// that ended its members.
///
/// It observes, never decides. Listening needs CAP_NET_ADMIN in the host's
/// user namespace (root): without it `watch` returns nil and descendants'
/// limit hits stay unreported.
final class DescendantExits {
    private let hub: ProcessEventHub
    private let tree: ProcessEventHub.Tree

    /// Starts following before the sandbox's init (host pid `rootPID`) runs
    /// anything; nil if the host does not let this process listen.
    static func watch(rootPID: Int32, hub: ProcessEventHub = .shared) -> DescendantExits? {
        hub.follow(rootPID: rootPID).map { DescendantExits(hub: hub, tree: $0) }
    }

    private init(hub: ProcessEventHub, tree: ProcessEventHub.Tree) {
        self.hub = hub
        self.tree = tree
    }

    deinit { hub.forget(tree) }

    /// Signals that ended processes of the sandbox other than its init, and
    /// whether some notices were lost (there may have been more).
    var killedBy: [Int32: Int] { hub.outcome(of: tree).killedBy }
    var lostEvents: Bool { hub.outcome(of: tree).lostEvents }

    /// Once the init is reaped: waits for its own exit notice, which the
    /// kernel sends just after telling the parent (and so after every
    /// notice of its members), or until `timeoutMs`.
    func finish(timeoutMs: Int = 100) {
        hub.awaitRootExit(tree, timeoutMs: timeoutMs)
    }
}
