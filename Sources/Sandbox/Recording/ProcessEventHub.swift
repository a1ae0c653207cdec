import CJail
import Foundation

/// The process's one listener on the kernel's process-events connector,
/// shared by every launch's `DescendantExits`.
///
/// The kernel copies every fork and exit notice on the host to each
/// listening socket. A socket per launch made each notice cost a copy (and
/// a supervisor wake-up) per running launch, and each launch a socket, a
/// 4 MiB receive buffer and a BPF program to build: a few percent of a
/// launch's CPU, more with every concurrent one. Here one thread reads the
/// notices and sorts them to the sandboxes whose processes they concern.
final class ProcessEventHub: @unchecked Sendable {
    static let shared = ProcessEventHub()

    /// One sandbox's process tree as the notices show it (guarded by the
    /// hub's lock).
    final class Tree {
        let rootPID: Int32
        /// When it was first followed (CLOCK_MONOTONIC): notices from before
        /// concern an earlier process that had the same pid, read late.
        let since: UInt64
        fileprivate var members: Set<Int32>
        fileprivate(set) var rootExited = false
        fileprivate(set) var lostEvents = false
        fileprivate(set) var killedBy: [Int32: Int] = [:]

        fileprivate init(rootPID: Int32, since: UInt64) {
            self.rootPID = rootPID
            self.since = since
            members = [rootPID]
        }
    }

    private let lock = NSCondition()
    private var fd: Int32 = -1
    /// False only in tests that hand the hub made-up notices (`receive`).
    private let listens: Bool
    /// Held while notices are read and applied, by the reader thread or by
    /// a supervisor that is waiting for its root's exit (so a busy reader
    /// thread never delays a launch's result): the kernel's order is kept.
    private let readLock = NSLock()
    private var buffer = [cjail_proc_event](repeating: cjail_proc_event(), count: 64)
    /// The kernel stamps notices with the host's CLOCK_MONOTONIC; a process
    /// in a time namespace reads its own, shifted by this.
    private let monotonicOffset: Int64

    init(listens: Bool = true) {
        self.listens = listens
        monotonicOffset = Self.timeNamespaceOffset()
    }
    /// Host pid of each process being followed → the tree it belongs to.
    private var owners: [Int32: Tree] = [:]

    /// Follows the tree rooted at `rootPID` from now on: call before that
    /// process runs anything. Nil when this process may not listen
    /// (listening needs CAP_NET_ADMIN in the host's user namespace).
    func follow(rootPID: Int32) -> Tree? {
        lock.lock()
        defer { lock.unlock() }
        // Opened at first use, and tried again while it fails: a passing
        // failure (no descriptors left) must not switch this off for good.
        if fd < 0 && listens {
            let opened = cjail_proc_events_open()
            guard opened >= 0 else { return nil }
            fd = opened
            let reader = Thread { [self] in readLoop(opened) }
            reader.name = "airlock.proc-events"
            reader.start()
        }
        let tree = Tree(rootPID: rootPID, since: UInt64(max(0, Int64(cjail_monotonic_ns()) - monotonicOffset)))
        // The pid was another tree's member whose exit is still unread (the
        // pid wrapped around): that tree may now miss its notices.
        if let earlier = owners[rootPID] { earlier.lostEvents = true }
        owners[rootPID] = tree
        return tree
    }

    /// Stops following `tree` (its launch is over).
    func forget(_ tree: Tree) {
        lock.withLock {
            for pid in tree.members where owners[pid] === tree { owners[pid] = nil }
            tree.members = []
        }
    }

    /// Reads notices itself until the root's own exit notice is applied
    /// (the kernel sends it just after telling the parent, and after every
    /// member's), events were lost, or the deadline: then the tree is marked
    /// incomplete, since some exits may not have been counted.
    func awaitRootExit(_ tree: Tree, timeoutMs: Int) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        while true {
            if lock.withLock({ tree.rootExited || tree.lostEvents }) { return }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline, let fd = lock.withLock({ fd >= 0 ? fd : nil }) else { break }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&ready, 1, Int32((deadline - now) / 1_000_000 + 1))
            drain(fd)
        }
        lock.withLock { if !tree.rootExited { tree.lostEvents = true } }
    }

    /// What a tree's members were ended by, whether events were lost.
    func outcome(of tree: Tree) -> (killedBy: [Int32: Int], lostEvents: Bool) {
        lock.withLock { (tree.killedBy, tree.lostEvents) }
    }

    private func readLoop(_ fd: Int32) {
        while true {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, -1)
            // Not a busy loop on a failing socket.
            if (polled < 0 && errno != EINTR) || !drain(fd) { usleep(10_000) }
        }
    }

    /// Applies every notice queued on the socket now; false if reading failed.
    @discardableResult
    private func drain(_ fd: Int32) -> Bool {
        readLock.lock()
        defer { readLock.unlock() }
        while true {
            var lost: Int32 = 0
            let count = buffer.withUnsafeMutableBufferPointer { cjail_proc_events_read(fd, $0.baseAddress, Int32($0.count), &lost) }
            guard count != 0 || lost != 0 else { return true }
            // The socket overflowed (or failed): any tree may have missed an exit.
            receive(buffer.prefix(Int(max(0, count))), lost: lost != 0 || count < 0)
            if count < 0 { return false }
            if count == 0 { return true }
        }
    }

    /// This process's CLOCK_MONOTONIC offset from the host's, in nanoseconds
    /// (/proc/self/timens_offsets; 0 outside a time namespace).
    private static func timeNamespaceOffset() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/timens_offsets", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, fields[0] == "monotonic", let seconds = Int64(fields[1]), let nanoseconds = Int64(fields[2]) else { continue }
            return seconds * 1_000_000_000 + nanoseconds
        }
        return 0
    }

    /// Sorts notices, in the kernel's order, to their trees.
    func receive(_ events: some Sequence<cjail_proc_event>, lost: Bool = false) {
        lock.withLock {
            if lost { for tree in owners.values { tree.lostEvents = true } }
            for event in events { apply(event) }
            lock.broadcast()
        }
    }

    /// One notice (under the lock).
    private func apply(_ event: cjail_proc_event) {
        // Threads come and go inside a process; only processes matter here.
        guard event.pid == event.tgid else { return }
        switch Int(event.what) {
        case CJAIL_PROC_FORK:
            if let tree = owners[event.parent_tgid], event.timestamp_ns >= tree.since {
                tree.members.insert(event.tgid)
                owners[event.tgid] = tree
            }
        case CJAIL_PROC_EXIT:
            // A late notice of a pid's earlier owner must not end its new one.
            guard let tree = owners[event.tgid], event.timestamp_ns >= tree.since else { return }
            owners[event.tgid] = nil
            tree.members.remove(event.tgid)
            if event.tgid == tree.rootPID {
                tree.rootExited = true
                return
            }
            let signal = event.exit_code & 0x7f
            if signal != 0 { tree.killedBy[signal, default: 0] += 1 }
        default:
            break
        }
    }
}
