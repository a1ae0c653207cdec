import AirlockCore
import CJail
import Foundation

/// Everything the supervisor observed about one child, before it becomes a
/// `RunResult`.
struct Observation {
    /// The child's mount namespace, still held (-1: none): the caller
    /// drops it (`NamespaceRelease`) once it has read the run's cgroup.
    var mountNamespaceFD: Int32 = -1
    var setupFailure: cjail_status?
    var execError: Int32?
    var exitKind: Int32 = 0
    var exitValue: Int32 = 0
    var usage = rusage()
    var stdout: OutputCapture
    var stderr: OutputCapture
    var timedOut = false
    /// The run's processes together used more CPU time than the limit
    /// (measured by its cgroup) and the sandbox was killed; the seconds used.
    var cpuBudgetExceeded: Double?
    var cancelled = false
    var wallSeconds: Double = 0
    var recorder: SyscallRecorder
    /// Signals that ended the sandbox's other processes (nil: the host
    /// does not let us observe them), and whether events were lost.
    var descendantSignals: [Int32: Int]?
    var descendantEventsLost = false
    /// The child's pidfd; the caller closes it.
    var pidfd: Int32 = -1
    /// Phase timestamps (uptime ns) for the benchmark's breakdown.
    var spawnedAt: UInt64 = 0
    var execAt: UInt64 = 0
    var exitedAt: UInt64 = 0
    var drainedAt: UInt64 = 0
    var releasedAt: UInt64 = 0
}

/// One captured stream, capped. Past the cap the parent closes its end, so
/// the writer gets EPIPE/SIGPIPE instead of making the host drain a flood.
struct OutputCapture {
    let cap: UInt64
    var data = Data()
    var total: UInt64 = 0
    var truncated = false

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        total += UInt64(bytes.count)
        let room = Int(cap) - data.count
        if room > 0 { data.append(contentsOf: bytes.prefix(room)) }
        if total > cap { truncated = true }
    }

    var captured: CapturedOutput {
        CapturedOutput(text: String(decoding: data, as: UTF8.self), totalBytes: total, truncated: truncated)
    }
}

/// Runs the parent's side of one launch on the calling thread: spawn, then a
/// single poll loop over the child's status pipe, stdout, stderr, stdin,
/// seccomp listener, pidfd and a cancel eventfd, with the wall-clock limit as
/// the poll timeout. Returns once the child is reaped and its pipes drained.
final class LaunchSupervisor {
    private let plan: LaunchPlan
    private let stdinData: Data?
    private let wallSeconds: Double
    private let cancelFD: Int32
    private let cpuBudget: CPUBudget?

    /// The CPU time all of a run's processes may use together, and how to
    /// read what they used so far (the run's cgroup).
    struct CPUBudget {
        var limitNanoseconds: UInt64
        var used: () -> UInt64?
        /// What all of a run's processes may use together: the limit plus
        /// the second RLIMIT_CPU's hard limit grants one process past it.
        /// A single process is always stopped by its own rlimit first (and
        /// a shell sees its SIGXCPU); the total catches many processes.
        static func nanoseconds(for limits: ResourceLimits) -> UInt64 {
            (limits.cpuSeconds + 1) * 1_000_000_000
        }

        /// How often a running sandbox's usage is read: a run overshoots its
        /// limit by at most this much per core it can use (one, where the
        /// cgroup's cpu controller holds its quota).
        static let checkIntervalNanoseconds: UInt64 = 100_000_000
    }

    init(plan: LaunchPlan, stdin: Data?, wallSeconds: Double, cancelFD: Int32, cpuBudget: CPUBudget? = nil) {
        self.plan = plan
        self.stdinData = stdin
        self.wallSeconds = wallSeconds
        self.cancelFD = cancelFD
        self.cpuBudget = cpuBudget
    }

    /// Runs the launch of `child` (its root built, or still being built:
    /// it reads its go only after stage 1). `listener` is a sealed child's
    /// seccomp listener, taken while it waited (-1: it comes in stage 2).
    func run(child: cjail_spawned, listener: Int32, filter: CompiledFilter, outputCap: UInt64) -> Observation {
        let start = DispatchTime.now().uptimeNanoseconds
        var spawned = child
        if stdinData == nil && spawned.stdin_fd >= 0 {
            close(spawned.stdin_fd)
            spawned.stdin_fd = -1
        }
        // Listening before the go: the command cannot fork unseen.
        let descendants = DescendantExits.watch(rootPID: spawned.pid)
        var failedStep: Int32 = 0
        let rc = cjail_start(&spawned, plan.cPlan, &failedStep)
        var obs = Observation(stdout: OutputCapture(cap: outputCap), stderr: OutputCapture(cap: outputCap),
                              recorder: SyscallRecorder(filter: filter))
        obs.pidfd = spawned.pidfd
        obs.spawnedAt = DispatchTime.now().uptimeNanoseconds
        if rc < 0 { obs.setupFailure = cjail_status(step: failedStep, error: -rc, index: 0, reserved: 0) }
        if listener >= 0 { obs.execAt = obs.spawnedAt }
        let reaped = loop(&obs, spawned: &spawned, start: start, listener: listener, descendants: descendants)
        if let descendants {
            obs.descendantSignals = descendants.killedBy
            obs.descendantEventsLost = descendants.lostEvents
        }
        obs.drainedAt = DispatchTime.now().uptimeNanoseconds
        // The stack goes to the next child: only once this one can no
        // longer run on it (reaped, or past exec: see the status pipe's EOF).
        // A child that could not be reaped keeps its stack forever.
        if reaped { cjail_release_stack(&spawned) }
        if spawned.sync_fd >= 0 { close(spawned.sync_fd) }
        obs.mountNamespaceFD = spawned.mount_ns_fd
        obs.releasedAt = DispatchTime.now().uptimeNanoseconds
        obs.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return obs
    }

    /// Runs the launch to its end; true once the child is reaped.
    private func loop(_ obs: inout Observation, spawned: inout cjail_spawned, start: UInt64, listener: Int32,
                      descendants: DescendantExits?) -> Bool {
        var statusFD = spawned.status_fd
        var outFD = spawned.stdout_fd
        var errFD = spawned.stderr_fd
        var inFD = spawned.stdin_fd
        var listenerFD = listener
        var stdinOffset = 0
        var exited = false
        var killed = false
        var drainDeadline: UInt64?
        let deadline = start + UInt64(wallSeconds * 1e9)
        var nextCPUCheck = cpuBudget.map { _ in start + CPUBudget.checkIntervalNanoseconds } ?? UInt64.max
        // Not zero-filled: only what read() returns is ever looked at.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }

        func kill() {
            if !killed { _ = cjail_pidfd_send_signal(spawned.pidfd, SIGKILL) }
            killed = true
        }

        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            // A child that exited just as the deadline passed (its exit not
            // yet read) ran within its limit: not a wall-clock kill.
            if !exited && now >= deadline && !obs.timedOut && !PreparedChild.hasExited(pidfd: spawned.pidfd) {
                obs.timedOut = true
                kill()
            }
            if !exited && !killed, let cpuBudget, now >= nextCPUCheck {
                nextCPUCheck = now + CPUBudget.checkIntervalNanoseconds
                if let used = cpuBudget.used(), used > cpuBudget.limitNanoseconds {
                    obs.cpuBudgetExceeded = Double(used) / 1e9
                    kill()
                }
            }
            if exited && outFD < 0 && errFD < 0 { break }
            if exited, let drain = drainDeadline, now >= drain { break }

            var fds: [pollfd] = []
            func watch(_ fd: Int32, _ events: Int32) { if fd >= 0 { fds.append(pollfd(fd: fd, events: Int16(events), revents: 0)) } }
            // Once the listener is ours, the status pipe can only carry an
            // exec failure just before the child exits: it is read after
            // the exit instead of costing a wake-up at every exec.
            if listenerFD < 0 { watch(statusFD, POLLIN) }
            watch(outFD, POLLIN)
            watch(errFD, POLLIN)
            watch(inFD, POLLOUT)
            watch(listenerFD, POLLIN)
            if !exited { watch(spawned.pidfd, POLLIN) }
            watch(cancelFD, POLLIN)

            // Once killed (timeout, CPU budget, cancel, foreign arch), the
            // reap is awaited in 100 ms steps: a past deadline or CPU check
            // must not turn this into a busy loop.
            let limit = exited ? (drainDeadline ?? now) : (killed ? now + 100_000_000 : min(deadline, nextCPUCheck))
            let timeoutMs = Int32(clamping: limit > now ? (limit - now + 999_999) / 1_000_000 : 0)
            let ready = poll(&fds, nfds_t(fds.count), timeoutMs)
            if ready < 0 && errno != EINTR { break }

            for p in fds where p.revents != 0 {
                switch p.fd {
                case statusFD:
                    if !readStatus(statusFD, &obs, pidfd: spawned.pidfd, listener: &listenerFD) {
                        close(statusFD)
                        statusFD = -1
                        // EOF: the child exec'd or died; its stack is no longer in use.
                        cjail_release_stack(&spawned)
                    }
                    if listenerFD >= 0 && obs.execAt == 0 { obs.execAt = DispatchTime.now().uptimeNanoseconds }
                case outFD: if !drain(outFD, into: &obs.stdout, buffer: buffer) { close(outFD); outFD = -1 }
                case errFD: if !drain(errFD, into: &obs.stderr, buffer: buffer) { close(errFD); errFD = -1 }
                case inFD:
                    if !feedStdin(inFD, offset: &stdinOffset) { close(inFD); inFD = -1 }
                case listenerFD:
                    if p.revents & Int16(POLLIN) != 0 {
                        if !obs.recorder.handle(listener: listenerFD, kill: kill) { close(listenerFD); listenerFD = -1 }
                    } else {
                        close(listenerFD)
                        listenerFD = -1
                    }
                case spawned.pidfd:
                    var kind: Int32 = 0, value: Int32 = 0
                    if cjail_wait_pidfd(spawned.pidfd, &kind, &value, &obs.usage) == 0 {
                        exited = true
                        obs.exitedAt = DispatchTime.now().uptimeNanoseconds
                        obs.exitKind = kind
                        obs.exitValue = value
                        // Everything in the pid namespace died with its init; give
                        // the pipes a moment to report EOF, no more.
                        drainDeadline = DispatchTime.now().uptimeNanoseconds + 500_000_000
                        if inFD >= 0 { close(inFD); inFD = -1 }
                        // Every writer of the status pipe is gone: read what is left.
                        while statusFD >= 0 && readStatus(statusFD, &obs, pidfd: spawned.pidfd, listener: &listenerFD) {}
                        if statusFD >= 0 { close(statusFD); statusFD = -1 }
                        descendants?.finish()
                    }
                case cancelFD:
                    var value: UInt64 = 0
                    _ = read(cancelFD, &value, 8)
                    if !exited {
                        obs.cancelled = true
                        kill()
                    }
                default: break
                }
            }
            if obs.stdout.truncated && outFD >= 0 { close(outFD); outFD = -1 }
            if obs.stderr.truncated && errFD >= 0 { close(errFD); errFD = -1 }
        }
        for fd in [statusFD, outFD, errFD, inFD, listenerFD] where fd >= 0 { close(fd) }
        // The stack may only be freed once the child can no longer run on it.
        if !exited {
            kill()
            var kind: Int32 = 0, value: Int32 = 0
            exited = cjail_wait_pidfd(spawned.pidfd, &kind, &value, &obs.usage) == 0
            obs.exitKind = kind
            obs.exitValue = value
        }
        return exited
    }

    /// Reads status messages; false at EOF.
    private func readStatus(_ fd: Int32, _ obs: inout Observation, pidfd: Int32, listener: inout Int32) -> Bool {
        var status = cjail_status()
        let n = read(fd, &status, MemoryLayout<cjail_status>.size)
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return true }
        guard n == MemoryLayout<cjail_status>.size else { return false }
        switch UInt32(status.step) {
        case CJAIL_STEP_LISTENER.rawValue:
            let fd = cjail_pidfd_getfd(pidfd, status.index)
            if fd >= 0 {
                _ = cjail_notify_set_sync_wakeup(fd)
                listener = fd
            } else {
                // Without the listener the child's execve would wait forever:
                // fail closed, kill it.
                obs.setupFailure = cjail_status(step: status.step, error: -fd, index: status.index, reserved: 0)
                _ = cjail_pidfd_send_signal(pidfd, SIGKILL)
            }
        case CJAIL_STEP_EXEC.rawValue:
            obs.execError = status.error
        case CJAIL_STEP_READY.rawValue:
            break  // a cold launch's root is built; its command follows
        default:
            obs.setupFailure = status
        }
        return true
    }

    private func drain(_ fd: Int32, into capture: inout OutputCapture, buffer: UnsafeMutableRawBufferPointer) -> Bool {
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            capture.append(UnsafeRawBufferPointer(rebasing: buffer.prefix(n)))
            return true
        }
        return n < 0 && (errno == EAGAIN || errno == EINTR)
    }

    private func feedStdin(_ fd: Int32, offset: inout Int) -> Bool {
        guard let data = stdinData, offset < data.count else { return false }
        let n = data.withUnsafeBytes { raw in write(fd, raw.baseAddress! + offset, min(65536, data.count - offset)) }
        if n > 0 { offset += n; return offset < data.count }
        return n < 0 && (errno == EAGAIN || errno == EINTR)
    }
}

/// The child could not be cloned (or was killed before its go): the step
/// and errno, for `SetupFailure`.
enum LaunchFailure: Error {
    case spawn(step: Int32, errno: Int32)
}
