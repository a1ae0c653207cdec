import AirlockCore
import CJail
import CSupervisor
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

/// One captured stream, capped (see `csup_capture`).
struct OutputCapture {
    let cap: UInt64
    var data = Data()
    var total: UInt64 = 0
    var truncated = false

    init(cap: UInt64) { self.cap = cap }

    init(_ capture: csup_capture) {
        cap = capture.cap
        data = capture.bytes.map { Data(bytes: $0, count: capture.length) } ?? Data()
        total = capture.total
        truncated = capture.truncated != 0
    }

    var captured: CapturedOutput {
        CapturedOutput(text: String(decoding: data, as: UTF8.self), totalBytes: total, truncated: truncated)
    }
}

/// Runs the parent's side of one launch on the calling thread: the go, then
/// CSupervisor's poll loop over the child's status pipe, stdout, stderr,
/// stdin, seccomp listener, pidfd and a cancel eventfd, with the wall-clock
/// limit as the poll timeout. This side answers what the loop hands back
/// (notifications, CPU budget checks, the reap). Returns once the child is
/// reaped and its pipes drained.
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
            csup_cpu_budget_ns(limits.cpuSeconds)
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
        let reaped = supervise(&obs, spawned: &spawned, listener: listener, started: start, failed: rc < 0 ? (failedStep, -rc) : nil,
                               descendants: descendants)
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

    /// Drives the shared C loop (`csup_step`) to the end, answering what
    /// it hands back: the listener's notifications (the recorder), the CPU
    /// budget checks (the run's cgroup) and the reap (the descendants'
    /// last exit notices). True once the child is reaped.
    private func supervise(_ obs: inout Observation, spawned: inout cjail_spawned, listener: Int32, started: UInt64,
                           failed: (step: Int32, errno: Int32)?, descendants: DescendantExits?) -> Bool {
        if let failed { obs.setupFailure = cjail_status(step: failed.step, error: failed.errno, index: 0, reserved: 0) }
        // The loop reads stdin's bytes until it finishes: all of it runs
        // inside this one access to them.
        guard let stdinData else {
            return supervise(&obs, spawned: &spawned, listener: listener, started: started, stdin: UnsafeRawBufferPointer(start: nil, count: 0),
                             descendants: descendants)
        }
        return stdinData.withUnsafeBytes { bytes in
            supervise(&obs, spawned: &spawned, listener: listener, started: started, stdin: bytes, descendants: descendants)
        }
    }

    private func supervise(_ obs: inout Observation, spawned: inout cjail_spawned, listener: Int32, started: UInt64,
                           stdin: UnsafeRawBufferPointer, descendants: DescendantExits?) -> Bool {
        let wall = UInt64(wallSeconds * 1e9)
        let elapsed = min(DispatchTime.now().uptimeNanoseconds - started, wall)
        var run = csup_run()
        let begun = csup_begin(&run, &spawned, listener, cancelFD, stdin.baseAddress?.assumingMemoryBound(to: UInt8.self), stdin.count,
                               wall - elapsed, cpuBudget == nil ? 0 : CPUBudget.checkIntervalNanoseconds, obs.stdout.cap)
        defer { csup_release(&run) }
        // No memory for the loop's buffer: the child must not run unwatched.
        if begun != 0 { csup_kill(&run) }
        drive(&run, &obs, descendants: descendants)
        obs.stdout = OutputCapture(run.out)
        obs.stderr = OutputCapture(run.err)
        obs.timedOut = run.timed_out != 0
        obs.cancelled = run.cancelled != 0
        obs.exitKind = run.exit_kind
        obs.exitValue = run.exit_value
        obs.usage = run.usage
        if run.has_setup_failure != 0 { obs.setupFailure = run.setup_failure }
        if run.exec_error != 0 { obs.execError = run.exec_error }
        if run.exec_at_ns != 0 { obs.execAt = run.exec_at_ns }
        if run.exited_at_ns != 0 { obs.exitedAt = run.exited_at_ns }
        return run.exited != 0
    }

    private func drive(_ run: inout csup_run, _ obs: inout Observation, descendants: DescendantExits?) {
        while true {
            switch UInt32(csup_step(&run)) {
            case CSUP_NOTIFICATION.rawValue:
                let keeps = obs.recorder.handle(listener: run.listener_fd) { csup_kill(&run) }
                if !keeps { csup_close_listener(&run) }
            case CSUP_CPU_CHECK.rawValue:
                if let cpuBudget, let used = cpuBudget.used(), used > cpuBudget.limitNanoseconds {
                    obs.cpuBudgetExceeded = Double(used) / 1e9
                    csup_kill(&run)
                }
            case CSUP_REAPED.rawValue:
                descendants?.finish()
            default:
                return
            }
        }
    }
}

/// The child could not be cloned (or was killed before its go): the step
/// and errno, for `SetupFailure`.
enum LaunchFailure: Error {
    case spawn(step: Int32, errno: Int32)
}
