import CJail
import Foundation

/// How the processes a sandbox forked ended, read from the kernel's
/// process-events connector.
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
    let fd: Int32
    private let rootPID: Int32
    private var members: Set<Int32>
    private var buffer = [cjail_proc_event](repeating: cjail_proc_event(), count: 64)
    /// The init's own exit notice has been read: nothing of the sandbox is left.
    private(set) var rootExited = false
    /// The socket overflowed: some exits may be missing from `killedBy`.
    private(set) var lostEvents = false
    /// Signals that ended processes of the sandbox other than its init.
    private(set) var killedBy: [Int32: Int] = [:]

    /// Starts listening before the sandbox's init (host pid `rootPID`) runs
    /// anything; nil if the host does not let this process listen.
    static func watch(rootPID: Int32) -> DescendantExits? {
        let fd = cjail_proc_events_open()
        return fd >= 0 ? DescendantExits(fd: fd, rootPID: rootPID) : nil
    }

    private init(fd: Int32, rootPID: Int32) {
        self.fd = fd
        self.rootPID = rootPID
        members = [rootPID]
    }

    deinit { close(fd) }

    /// Applies every queued event.
    func drain() {
        while true {
            var lost: Int32 = 0
            let count = buffer.withUnsafeMutableBufferPointer { cjail_proc_events_read(fd, $0.baseAddress, Int32($0.count), &lost) }
            if lost != 0 { lostEvents = true }
            guard count > 0 else { return }
            for event in buffer.prefix(Int(count)) { apply(event) }
        }
    }

    /// Once the init is reaped: reads until its own exit notice, which the
    /// kernel sends just after telling the parent, or until `timeoutMs`.
    func finish(timeoutMs: Int = 100) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        drain()
        while !rootExited && !lostEvents {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, Int32((deadline - now) / 1_000_000 + 1))
            drain()
        }
    }

    private func apply(_ event: cjail_proc_event) {
        // Threads come and go inside a process; only processes matter here.
        guard event.pid == event.tgid else { return }
        switch Int(event.what) {
        case CJAIL_PROC_FORK:
            if members.contains(event.parent_tgid) { members.insert(event.tgid) }
        case CJAIL_PROC_EXIT:
            guard members.remove(event.tgid) != nil else { return }
            if event.tgid == rootPID {
                rootExited = true
                return
            }
            let signal = event.exit_code & 0x7f
            if signal != 0 { killedBy[signal, default: 0] += 1 }
        default:
            break
        }
    }
}
