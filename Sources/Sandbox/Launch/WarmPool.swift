import CJail
import Foundation

/// Children that have already built their sandbox — user, mount, pid, ipc,
/// uts and network namespaces, the new root — and wait for a command
/// (stage 1 of DESIGN.md's sequence done, stage 2 not begun). A launch that
/// finds one for its profile skips the clone and the mounts and goes
/// straight to its cgroup, limits, privileges, Landlock, seccomp and exec.
///
/// Nothing of a command runs in a warm child before a launch takes it, and
/// each child serves exactly one launch. Keys nobody launched with for
/// `idleNanoseconds` are dropped, and children older than that are
/// retired, so a pool never serves a root planned long ago.
///
/// All children are cloned on the pool's own long-lived thread: a child's
/// death signal is tied to the thread that cloned it.
final class WarmPool: @unchecked Sendable {
    typealias Child = PreparedChild

    /// Plans a child's root and gives it a cgroup.
    typealias Planner = @Sendable () throws -> (root: RootPlan, cgroup: RunCgroup?)

    let enabled: Bool
    private let depth: Int
    private let idleNanoseconds: UInt64
    private let lock = NSCondition()
    private var ready: [RootPlan.Key: [Child]] = [:]
    private var demand: [RootPlan.Key: (lastUsed: UInt64, planner: Planner)] = [:]
    private var stopped = false
    /// Takes back the cgroup of a child that is gone.
    private let releaseCgroup: @Sendable (RunCgroup) -> Void

    /// Children are made at a lower priority (see `BackgroundPriority`).
    private let niced: Bool

    init(enabled: Bool, niced: Bool = false, depth: Int = 2, idleSeconds: Double = 30,
         releaseCgroup: @escaping @Sendable (RunCgroup) -> Void) {
        self.enabled = enabled
        self.niced = niced
        self.releaseCgroup = releaseCgroup
        self.depth = depth
        idleNanoseconds = UInt64(idleSeconds * 1e9)
        guard enabled else { return }
        let thread = Thread { [self] in fillLoop() }
        thread.name = "airlock.warm-pool"
        thread.start()
    }

    /// A warm child for `key`, or nil (the launch prepares its own).
    func take(_ key: RootPlan.Key) -> Child? {
        guard enabled else { return nil }
        // A waiting child can die (killed from outside, an OOM kill); one
        // that is gone would fail the launch at the go. Dropped (after the
        // lock: reaping and removing its cgroup take a while) for the next.
        var dead: [Child] = []
        defer { dead.forEach(discard) }
        lock.lock()
        defer { lock.unlock() }
        guard var children = ready[key] else { return nil }
        var live: Child?
        while live == nil, !children.isEmpty {
            let child = children.removeFirst()
            if child.hasExited { dead.append(child) } else { live = child }
        }
        ready[key] = children
        guard let child = live else { return nil }
        servedCount += 1
        if niced { BackgroundPriority.restore(pid: child.spawned.pid) }
        // No wake-up for the refill here: it comes with `want` when this
        // launch ends. Cloning and building a child now would take a CPU
        // from the launch itself (its parent and its child need both).
        return child
    }

    /// Launches served by a warm child so far, children prepared so far,
    /// and the pids of the children waiting now (what tests check from outside).
    var served: Int { lock.withLock { servedCount } }
    var prepared: Int { lock.withLock { preparedCount } }
    private var servedCount = 0
    var waitingPIDs: [Int32] { lock.withLock { ready.values.flatMap { $0.map(\.spawned.pid) } } }

    /// What the pool is doing and why its last preparation failed, in one
    /// line: a test that waits in vain for a child says this, not just "none".
    var status: String {
        lock.withLock {
            "\(ready.values.map(\.count).reduce(0, +)) waiting, \(demand.count) key(s) wanted, "
                + "\(preparedCount) prepared, \(failedCount) failed, now \(activity)"
                + (lastFailure.map { "; last failure: \($0)" } ?? "")
        }
    }
    private var preparedCount = 0
    private var failedCount = 0
    private var lastFailure: String?
    private var activity = "starting"

    /// Keeps children ready for `key` from now on (while it stays in use).
    func want(_ key: RootPlan.Key, planner: @escaping Planner) {
        guard enabled else { return }
        lock.lock()
        demand[key] = (Self.now(), planner)
        lock.signal()
        lock.unlock()
    }

    /// Kills every waiting child; the pool prepares no more.
    func stop() {
        lock.lock()
        stopped = true
        let children = ready.values.flatMap { $0 }
        ready = [:]
        demand = [:]
        lock.signal()
        lock.unlock()
        for child in children { discard(child) }
    }

    /// Failed preparations in a row, per key (guarded by `lock`).
    private var failedAttempts: [RootPlan.Key: Int] = [:]
    static let attemptsPerKey = 3

    private func fillLoop() {
        if niced { BackgroundPriority.lowerCallingThread() }
        while true {
            lock.lock()
            let now = Self.now()
            var retired: [Child] = []
            for (key, children) in ready {
                let isStale = { (child: Child) in now - child.preparedAt > self.idleNanoseconds }
                retired += children.filter(isStale)
                ready[key] = children.filter { !isStale($0) }
            }
            demand = demand.filter { now - $0.value.lastUsed <= idleNanoseconds }
            let next = demand.first { (ready[$0.key]?.count ?? 0) < depth }
            if stopped {
                lock.unlock()
                retired.forEach(discard)
                return
            }
            activity = next == nil ? "idle" : "preparing"
            if next == nil { _ = lock.wait(until: Date(timeIntervalSinceNow: 5)) }
            lock.unlock()
            retired.forEach(discard)
            guard let (key, wanted) = next else { continue }

            let prepared = prepare(wanted.planner)
            guard case .success(let child) = prepared else {
                // A failure may be passing (a loaded host, a pool briefly
                // empty): a few more tries, further apart. A key whose
                // children keep failing is dropped until a launch (which
                // reports the failure itself) asks again.
                lock.lock()
                if case .failure(let reason) = prepared { lastFailure = reason.text }
                failedCount += 1
                activity = "backing off"
                let failures = (failedAttempts[key] ?? 0) + 1
                if failures >= Self.attemptsPerKey {
                    demand[key] = nil
                    failedAttempts[key] = nil
                } else {
                    failedAttempts[key] = failures
                    _ = lock.wait(until: Date(timeIntervalSinceNow: 0.25 * Double(failures)))
                }
                lock.unlock()
                continue
            }
            lock.lock()
            failedAttempts[key] = nil
            preparedCount += 1
            let keep = !stopped && demand[key] != nil
            if keep { ready[key, default: []].append(child) }
            lock.unlock()
            if !keep { discard(child) }
        }
    }

    /// Why a preparation failed, for `status`.
    struct Failure: Error {
        let text: String
    }

    /// Clones a child from a fresh root plan and waits until it reports its
    /// root built. A failure leaves nothing behind (the child is gone).
    private func prepare(_ planner: Planner) -> Result<Child, Failure> {
        let planned: (root: RootPlan, cgroup: RunCgroup?)
        do {
            planned = try planner()
        } catch {
            return .failure(Failure(text: "planning the root: \(error)"))
        }
        let child: Child
        switch PreparedChild.spawn(root: planned.root, cgroup: planned.cgroup) {
        case .success(let spawned):
            child = spawned
        case .failure(.spawn(let step, let code)):
            if let cgroup = planned.cgroup { releaseCgroup(cgroup) }
            return .failure(Failure(text: "cloning the child: step \(step), \(String(cString: strerror(code)))"))
        }
        var ready = child
        if let failure = Self.awaitReady(&ready) {
            discard(ready)
            return .failure(failure)
        }
        ready.cgroup?.resetCounters()
        return .success(ready)
    }

    static let readyTimeoutMilliseconds: Int32 = 30_000

    /// Reads the child's status until READY (nil) or a failure. A sealed
    /// child first hands over its seccomp listener, taken now, while it waits.
    private static func awaitReady(_ child: inout Child) -> Failure? {
        let statusFD = child.spawned.status_fd
        var status = cjail_status()
        while true {
            var p = pollfd(fd: statusFD, events: Int16(POLLIN), revents: 0)
            // Generous: the child builds its root at background priority,
            // and on a loaded host that can take seconds; a child given up
            // on here counts as one of its key's failed attempts.
            let polled = poll(&p, 1, Self.readyTimeoutMilliseconds)
            if polled < 0 && errno == EINTR { continue }
            guard polled == 1 else {
                return Failure(text: polled == 0 ? "the child did not finish its root within \(Self.readyTimeoutMilliseconds / 1000) s"
                                                 : "polling the child: \(String(cString: strerror(errno)))")
            }
            let n = read(statusFD, &status, MemoryLayout<cjail_status>.size)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n == MemoryLayout<cjail_status>.size else {
                return Failure(text: n == 0 ? "the child exited while building its root" : "reading the child's status failed")
            }
            switch UInt32(status.step) {
            case CJAIL_STEP_READY.rawValue:
                return !child.root.isSealed || child.listenerFD >= 0 ? nil : Failure(text: "a sealed child gave no listener")
            case CJAIL_STEP_LISTENER.rawValue where child.root.isSealed && child.listenerFD < 0:
                let fd = cjail_pidfd_getfd(child.spawned.pidfd, status.index)
                guard fd >= 0 else { return Failure(text: "taking the child's listener: \(String(cString: strerror(-fd)))") }
                _ = cjail_notify_set_sync_wakeup(fd)
                child.listenerFD = fd
            default:
                // A setup failure: the launch that asks again reports it.
                let error = SetupFailure.error(step: status.step, errno: status.error, index: status.index,
                                               mounts: child.root.mounts.entries)
                return Failure(text: "step \(status.step): \(error.message)")
            }
        }
    }

    /// Kills a child nobody will use, waits for it, and frees what it held.
    func discard(_ child: Child) {
        child.discard(releaseCgroup: releaseCgroup)
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
