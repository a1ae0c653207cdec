import CHostSpawn
import Foundation
import Glibc
import Synchronization

/// Starts host commands for the tests with `posix_spawn`, in place of
/// Foundation's `Process`.
///
/// Why not `Process`: on Linux, Swift 6.3.1's swift-corelibs-foundation
/// emulates close-on-exec-by-default in `Process.run()` by listing
/// /proc/self/fd, and its `findMaximumOpenFromProcSelfFD()` copies each
/// entry's whole 256-byte `d_name` out of glibc's readdir buffer. With more
/// than about 1350 descriptors open, the last entry sits at the end of that
/// 32 KiB buffer and the copy runs into an unmapped page: SIGSEGV inside
/// `Process.run`. The test process peaks near 1250 descriptors (sandboxes,
/// pipes and NIO loops of tests running in parallel), so the suite crashed
/// now and then. Fixed upstream in swiftlang/swift-corelibs-foundation
/// PR #5472; until the toolchain carries it, no test calls `Process.run()`.
///
/// What the child gets is what `Process` gave it: `argv[0]` is the
/// executable's path; it leads a process group of its own; every descriptor
/// above stderr is closed (glibc's closefrom file action, which needs no
/// listing of ours); it keeps the parent's signal dispositions (the sandbox
/// engine ignores SIGPIPE process-wide, and children see that as before);
/// and it gets the parent's environment unless one is given. Two
/// differences: its signal mask starts empty, whatever the spawning thread
/// blocks, and standard input defaults to /dev/null, not the test runner's.
public enum HostCommand {
    /// Where the child's standard input comes from.
    public enum Input: Sendable, Equatable {
        /// The test process's own standard input.
        case inherit
        /// /dev/null.
        case null
        /// A pipe the test writes through `HostChild.stdin`.
        case pipe
        /// A pipe a background thread fills with these bytes, then closes.
        case data(Data)
    }

    /// Where the child's standard output or standard error goes.
    public enum Output: Sendable, Equatable {
        /// The test process's own stream.
        case inherit
        /// /dev/null.
        case null
        /// A pipe the test reads through `HostChild.stdout` or `.stderr`.
        case capture
        /// Standard error only: wherever standard output goes.
        case merged
    }

    /// How a child ended.
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            case exit
            case uncaughtSignal
        }

        public let reason: Reason
        /// The exit code, or for `.uncaughtSignal` the signal's number: the
        /// convention of `Process.terminationStatus`.
        public let status: Int32

        /// From a wait status of an exited or killed (not stopped) child.
        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            reason = signal == 0 ? .exit : .uncaughtSignal
            status = signal == 0 ? (waitStatus >> 8) & 0xff : signal
        }

        public var description: String { reason == .exit ? "exit \(status)" : "signal \(status)" }
    }

    /// A finished run: how it ended and what it wrote to captured streams.
    public struct Finished: Sendable {
        public let termination: Termination
        /// Empty unless standard output was `.capture`.
        public let stdout: Data
        /// Empty unless standard error was `.capture`.
        public let stderr: Data

        public var status: Int32 { termination.status }
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Starting failed: the executable is missing or not executable, or a
    /// pipe or spawn attribute could not be made.
    public struct LaunchError: Error, CustomStringConvertible {
        public let executable: String
        public let step: String
        public let code: Int32

        public var description: String {
            "\(executable): \(step) failed: \(String(cString: strerror(code)))"
        }
    }

    /// Starts `executable` (an absolute path) with `arguments`. With
    /// `environment` nil the child gets this process's environment; with
    /// `workingDirectory` nil, this process's current directory.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             workingDirectory: String? = nil, stdin: Input = .null, stdout: Output = .capture,
                             stderr: Output = .capture) throws -> HostChild {
        precondition(stdout != .merged, "only stderr can be merged (into stdout)")
        var plan = try SpawnPlan(executable)
        defer { plan.release() }

        switch stdin {
        case .inherit: break
        case .null: try plan.openDevNull(onto: STDIN_FILENO, flags: O_RDONLY)
        case .pipe, .data: try plan.pipe(onto: STDIN_FILENO, childReads: true)
        }
        for (target, output) in [(STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            switch output {
            case .inherit: break
            case .null: try plan.openDevNull(onto: target, flags: O_WRONLY)
            case .capture: try plan.pipe(onto: target, childReads: false)
            case .merged: try plan.copyStdout(onto: target)
            }
        }
        if let workingDirectory { try plan.changeDirectory(to: workingDirectory) }
        try plan.closeTheRest()

        let pid = try plan.spawn(arguments: [executable] + arguments,
                                 environment: environment.map { $0.map { "\($0.key)=\($0.value)" } })
        var ends = plan.parentEnds
        plan.parentEnds = [:]
        if case .data(let bytes) = stdin, let writer = ends.removeValue(forKey: STDIN_FILENO) {
            Thread.detachNewThread { feed(bytes, to: writer) }
        }
        return HostChild(pid: pid, stdin: ends[STDIN_FILENO], stdout: ends[STDOUT_FILENO], stderr: ends[STDERR_FILENO])
    }

    /// Runs `executable` to the end: feeds `stdin`, reads captured stdout
    /// and stderr concurrently (so neither pipe can fill up and stall the
    /// child), and waits for it.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           workingDirectory: String? = nil, stdin: Input = .null, stdout: Output = .capture,
                           stderr: Output = .capture) throws -> Finished {
        try start(executable, arguments, environment: environment, workingDirectory: workingDirectory,
                  stdin: stdin, stdout: stdout, stderr: stderr).finish()
    }

    /// Writes `bytes` to `descriptor` and closes it. SIGPIPE is blocked on
    /// this thread, so a child that exits without reading costs an EPIPE
    /// here, not the test process.
    private static func feed(_ bytes: Data, to descriptor: Int32) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
        close(descriptor)
    }
}

/// The file actions, attributes and pipes of one launch being prepared.
/// (Each C call's result is taken before `check` sees it: passing
/// `&actions` and calling a method of the same struct in one expression
/// would be overlapping accesses.)
private struct SpawnPlan {
    let executable: String
    var actions = posix_spawn_file_actions_t()
    var attributes = posix_spawnattr_t()
    /// The parent's ends of the pipes, by the child descriptor they serve.
    var parentEnds: [Int32: Int32] = [:]
    /// The child's ends, closed in the parent once the child has them.
    var childEnds: [Int32] = []

    init(_ executable: String) throws {
        self.executable = executable
        var result = posix_spawn_file_actions_init(&actions)
        try check(result, "posix_spawn_file_actions_init")
        result = posix_spawnattr_init(&attributes)
        try check(result, "posix_spawnattr_init")
        var empty = sigset_t()
        sigemptyset(&empty)
        result = posix_spawnattr_setsigmask(&attributes, &empty)
        try check(result, "posix_spawnattr_setsigmask")
        result = posix_spawnattr_setpgroup(&attributes, 0)
        try check(result, "posix_spawnattr_setpgroup")
        result = posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        try check(result, "posix_spawnattr_setflags")
    }

    func check(_ result: Int32, _ step: String) throws {
        guard result == 0 else { throw HostCommand.LaunchError(executable: executable, step: step, code: result) }
    }

    mutating func openDevNull(onto target: Int32, flags: Int32) throws {
        let result = posix_spawn_file_actions_addopen(&actions, target, "/dev/null", flags, 0)
        try check(result, "open /dev/null")
    }

    /// Standard error into wherever standard output goes.
    mutating func copyStdout(onto target: Int32) throws {
        let result = posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, target)
        try check(result, "dup2")
    }

    /// A close-on-exec pipe whose child end becomes `target` in the child
    /// (dup2 clears close-on-exec on the copy).
    mutating func pipe(onto target: Int32, childReads: Bool) throws {
        var ends: [Int32] = [-1, -1]
        guard chostspawn_pipe_cloexec(&ends) == 0 else {
            throw HostCommand.LaunchError(executable: executable, step: "pipe2", code: errno)
        }
        var parentEnd = childReads ? ends[1] : ends[0], childEnd = childReads ? ends[0] : ends[1]
        defer {
            // Recorded whatever happens next, so that release() closes them.
            parentEnds[target] = parentEnd
            childEnds.append(childEnd)
        }
        try liftAboveStandardStreams(&parentEnd)
        try liftAboveStandardStreams(&childEnd)
        let result = posix_spawn_file_actions_adddup2(&actions, childEnd, target)
        try check(result, "dup2")
    }

    /// When the test runner has a standard stream closed, pipe2 can hand out
    /// 0, 1 or 2, which the child's own dup2 onto that number would clobber:
    /// such an end moves to the lowest free descriptor above 2.
    private func liftAboveStandardStreams(_ descriptor: inout Int32) throws {
        guard descriptor <= STDERR_FILENO else { return }
        let lifted = fcntl(descriptor, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)
        guard lifted >= 0 else { throw HostCommand.LaunchError(executable: executable, step: "fcntl", code: errno) }
        close(descriptor)
        descriptor = lifted
    }

    mutating func changeDirectory(to directory: String) throws {
        let result = chostspawn_addchdir(&actions, directory)
        try check(result, "chdir to \(directory)")
    }

    /// Closes every descriptor above stderr in the child. Added last, after
    /// the dup2 actions, so the pipe ends they copied from go too.
    mutating func closeTheRest() throws {
        let result = chostspawn_addclosefrom(&actions, STDERR_FILENO + 1)
        try check(result, "closefrom")
    }

    mutating func spawn(arguments: [String], environment: [String]?) throws -> pid_t {
        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            guard let environment else { return posix_spawn(&pid, executable, &actions, &attributes, argv, environ) }
            return withCStrings(environment) { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
        }
        try check(result, "posix_spawn")
        return pid
    }

    /// Frees what the plan made. The parent's pipe ends are closed too
    /// unless a HostChild took them (start() empties `parentEnds` then).
    mutating func release() {
        childEnds.forEach { close($0) }
        parentEnds.values.forEach { close($0) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
    }
}

/// A NULL-terminated array of C strings, alive for the call of `body`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A started child. Reaping happens only under its lock, so `kill` never
/// signals a pid that has been reaped and perhaps reused. A child dropped
/// before anyone waited for it is reaped by a background thread, as
/// Process's own monitor did, so none lingers as a zombie.
public final class HostChild: Sendable {
    public let pid: Int32
    private let stdinHandle: FileHandle?
    private let stdoutHandle: FileHandle?
    private let stderrHandle: FileHandle?
    private let ended = Mutex<HostCommand.Termination?>(nil)

    init(pid: Int32, stdin: Int32?, stdout: Int32?, stderr: Int32?) {
        self.pid = pid
        func handle(_ descriptor: Int32?) -> FileHandle? {
            descriptor.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        }
        stdinHandle = handle(stdin)
        stdoutHandle = handle(stdout)
        stderrHandle = handle(stderr)
    }

    /// The pipe into the child's standard input (started with `.pipe`).
    public var stdin: FileHandle { stream(stdinHandle, "stdin", "stdin: .pipe") }
    /// The pipe from the child's standard output (started with `.capture`).
    public var stdout: FileHandle { stream(stdoutHandle, "stdout", "stdout: .capture") }
    /// The pipe from the child's standard error (started with `.capture`).
    public var stderr: FileHandle { stream(stderrHandle, "stderr", "stderr: .capture") }

    private func stream(_ handle: FileHandle?, _ name: String, _ needed: String) -> FileHandle {
        guard let handle else { preconditionFailure("the child's \(name) is not a pipe: start it with \(needed)") }
        return handle
    }

    /// Everything the child writes to standard output, up to end of file.
    public func readStdout() -> Data { Self.readToEnd(stdout) }
    /// Everything the child writes to standard error, up to end of file.
    public func readStderr() -> Data { Self.readToEnd(stderr) }

    static func readToEnd(_ handle: FileHandle) -> Data { (try? handle.readToEnd()) ?? Data() }

    /// False once the child has exited (which reaps it).
    public var isRunning: Bool { ended.withLock { reapIfExited(&$0) } == nil }

    /// Sends `signal` unless the child has already exited and been reaped.
    /// True when the signal was sent.
    @discardableResult
    public func kill(_ signal: Int32) -> Bool {
        ended.withLock { known in reapIfExited(&known) == nil && Glibc.kill(pid, signal) == 0 }
    }

    /// Blocks until the child exits and returns how it ended (at once if it
    /// already has).
    @discardableResult
    public func wait() -> HostCommand.Termination {
        while true {
            if let termination = ended.withLock({ reapIfExited(&$0) }) { return termination }
            // WNOWAIT: wait without reaping, so that only the locked step reaps.
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 {
                let error = errno
                if error == EINTR { continue }
                // ECHILD: another thread of ours reaped it in between (then
                // it is recorded), or something outside this helper did.
                if let termination = ended.withLock({ reapIfExited(&$0) }) { return termination }
                preconditionFailure("waitid(\(pid)): \(String(cString: strerror(error)))")
            }
        }
    }

    /// Reads captured stdout and stderr to end of file at the same time
    /// (stderr on a thread of its own), then waits for the child.
    public func finish() -> HostCommand.Finished {
        let errors = stderrHandle.map(BackgroundRead.init)
        let output = stdoutHandle.map(Self.readToEnd) ?? Data()
        return HostCommand.Finished(termination: wait(), stdout: output, stderr: errors?.result() ?? Data())
    }

    /// Called with the lock held: the recorded termination, or reaps the
    /// child without blocking if it has exited; nil while it runs.
    private func reapIfExited(_ known: inout HostCommand.Termination?) -> HostCommand.Termination? {
        if let known { return known }
        var status: Int32 = 0
        var reaped = waitpid(pid, &status, WNOHANG)
        while reaped == -1 && errno == EINTR { reaped = waitpid(pid, &status, WNOHANG) }
        guard reaped == pid else { return nil }
        known = HostCommand.Termination(waitStatus: status)
        return known
    }

    deinit {
        guard ended.withLock({ reapIfExited(&$0) }) == nil else { return }
        let pid = self.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
    }
}

/// Reads a pipe to end of file on a thread of its own.
private final class BackgroundRead: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let read = HostChild.readToEnd(handle)
            data.withLock { $0 = read }
            done.signal()
        }
    }

    func result() -> Data {
        done.wait()
        return data.withLock { $0 }
    }
}
