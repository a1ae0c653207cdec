import CJail
import Foundation

/// A child cloned for stage 1 of the sequence (namespaces, identity, the new
/// root): either still building its root or done and waiting for stage 2.
/// A cold launch makes one and compiles its seccomp program while the child
/// works; the warm pool makes them ahead of time.
struct PreparedChild: @unchecked Sendable {
    var spawned: cjail_spawned
    let root: RootPlan
    /// The run cgroup the child was born into (its limits are set when a
    /// launch takes it).
    let cgroup: RunCgroup?
    let preparedAt: UInt64
    /// A sealed child's seccomp listener, taken while it waited (-1: none
    /// yet; the child hands it over in stage 2).
    var listenerFD: Int32 = -1

    /// Clones a child for `root`. On failure nothing is left behind except
    /// `cgroup`, which the caller still owns.
    static func spawn(root: RootPlan, cgroup: RunCgroup?) -> Result<PreparedChild, LaunchFailure> {
        var spawned = cjail_spawned()
        var step: Int32 = 0
        let rc = cjail_prepare(root.cPlan, 1, &spawned, &step)
        root.closeInheritedFDs()
        let child = PreparedChild(spawned: spawned, root: root, cgroup: cgroup, preparedAt: DispatchTime.now().uptimeNanoseconds)
        guard rc == 0 else {
            // cjail_prepare already sent SIGKILL to a child it made; reap it.
            if spawned.pidfd >= 0 { child.discard(releaseCgroup: nil) }
            return .failure(.spawn(step: step, errno: -rc))
        }
        return .success(child)
    }

    /// Whether the child has already exited (its pidfd is readable).
    var hasExited: Bool { Self.hasExited(pidfd: spawned.pidfd) }

    static func hasExited(pidfd: Int32) -> Bool {
        var watch = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&watch, 1, 0) > 0 && watch.revents & Int16(POLLIN) != 0
    }

    /// Kills the child if it still lives, waits for it, and frees what it
    /// held: its descriptors, its stack and (through `releaseCgroup`) its cgroup.
    func discard(releaseCgroup: ((RunCgroup) -> Void)?) {
        var spawned = spawned
        _ = cjail_pidfd_send_signal(spawned.pidfd, SIGKILL)
        var kind: Int32 = 0, value: Int32 = 0
        var usage = rusage()
        let reaped = cjail_wait_pidfd(spawned.pidfd, &kind, &value, &usage) == 0
        for fd in [spawned.pidfd, spawned.stdin_fd, spawned.stdout_fd, spawned.stderr_fd, spawned.status_fd, spawned.sync_fd,
                   spawned.mount_ns_fd, listenerFD] where fd >= 0 {
            close(fd)
        }
        // Stacks are reused: one whose child could not be reaped is never
        // handed to another.
        if reaped { cjail_release_stack(&spawned) }
        if let cgroup, let releaseCgroup { releaseCgroup(cgroup) }
    }
}
