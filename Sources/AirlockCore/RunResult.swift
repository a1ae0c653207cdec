/// Everything a confined run produced and everything that was enforced on it.
/// Produced by `Sandbox`, returned to agents (as MCP `structuredContent`),
/// and recorded by `Audit`.
public struct RunResult: Sendable, Hashable, Codable {
    /// How the child ended.
    public enum Termination: String, Sendable, Hashable, Codable {
        /// exited on its own with `exitCode`
        case exited
        /// killed by `signal` (by itself, the kernel, or seccomp's SIGSYS)
        case signaled
        /// killed by Airlock because a limit was hit (see `limitsHit`)
        case limitKilled = "limit_killed"
        /// killed by Airlock because the call was cancelled or the daemon stopped
        case cancelled
    }

    public var termination: Termination
    /// Exit status when `termination == .exited`.
    public var exitCode: Int32?
    /// Terminating signal number, if any.
    public var signal: Int32?
    /// The conventional shell code: exit code, or 128+signal.
    public var shellStatus: Int32 {
        if let exitCode { return exitCode }
        if let signal { return 128 + signal }
        return 255
    }

    public var wallSeconds: Double
    public var userCPUSeconds: Double
    public var systemCPUSeconds: Double
    /// Peak memory in bytes, measured as `peakMemoryScope` says.
    public var peakMemoryBytes: UInt64
    /// "cgroup": the whole run's peak, from its cgroup. "largest_process":
    /// the peak resident size of the largest single process (getrusage),
    /// where the cgroup could not give this run's own peak (no memory
    /// controller; a reused v2 cgroup, whose peak can't be reset).
    public var peakMemoryScope: String?

    public var stdout: CapturedOutput
    public var stderr: CapturedOutput

    /// Limits that were hit, in the order they were observed.
    public var limitsHit: [LimitHit]
    /// Syscalls the filter refused (enforced by seccomp, observed by the recorder).
    public var deniedSyscalls: [SyscallRecord]
    /// Syscalls the profile asked to record (execs, writes, connects...).
    public var recordedSyscalls: [SyscallRecord]
    /// When the child was killed by seccomp (SIGSYS), the syscall that did it.
    public var killedBySyscall: String?
    /// Calls counted only under their syscall's name and outcome, without
    /// their path or address: a list keeps its first 1024 distinct records
    /// in full. Nil when every call's details were kept.
    public var syscallDetailsOmitted: Int?

    public var manifest: EnforcementManifest

    public init(termination: Termination, exitCode: Int32?, signal: Int32?, wallSeconds: Double,
                userCPUSeconds: Double, systemCPUSeconds: Double, peakMemoryBytes: UInt64,
                stdout: CapturedOutput, stderr: CapturedOutput, limitsHit: [LimitHit],
                deniedSyscalls: [SyscallRecord], recordedSyscalls: [SyscallRecord],
                killedBySyscall: String?, syscallDetailsOmitted: Int? = nil, peakMemoryScope: String? = nil,
                manifest: EnforcementManifest) {
        self.termination = termination
        self.exitCode = exitCode
        self.signal = signal
        self.wallSeconds = wallSeconds
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.stdout = stdout
        self.stderr = stderr
        self.limitsHit = limitsHit
        self.deniedSyscalls = deniedSyscalls
        self.recordedSyscalls = recordedSyscalls
        self.killedBySyscall = killedBySyscall
        self.syscallDetailsOmitted = syscallDetailsOmitted
        self.peakMemoryScope = peakMemoryScope
        self.manifest = manifest
    }
}

/// One captured stream, capped by the profile's output limit.
public struct CapturedOutput: Sendable, Hashable, Codable {
    /// What was kept, as UTF-8 text with invalid sequences replaced.
    public var text: String
    /// Bytes the child wrote in total (kept + dropped).
    public var totalBytes: UInt64
    /// True when `totalBytes` exceeded the cap and the rest was dropped.
    public var truncated: Bool

    public init(text: String, totalBytes: UInt64, truncated: Bool) {
        self.text = text
        self.totalBytes = totalBytes
        self.truncated = truncated
    }
}

/// A limit that was reached during a run.
public struct LimitHit: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case wallClock = "wall_clock"
        case cpuTime = "cpu_time"
        case memory
        case processes
        case outputBytes = "output_bytes"
        case fileSize = "file_size"
        case openFiles = "open_files"
    }

    public var kind: Kind
    /// The limit in force, in the kind's unit (seconds, bytes, count).
    public var limit: UInt64
    /// How it was detected, e.g. "SIGXCPU", "cgroup memory.failcnt=3", "EMFILE observed".
    public var evidence: String

    public init(kind: Kind, limit: UInt64, evidence: String) {
        self.kind = kind
        self.limit = limit
        self.evidence = evidence
    }
}

/// A syscall seen by the recorder.
public struct SyscallRecord: Sendable, Hashable, Codable {
    public var name: String
    public var number: Int32
    /// The first calls' raw arguments (hex), for forensics.
    public var arguments: [String]
    /// Decoded path for path-taking calls (execve, openat, unlinkat...).
    public var path: String?
    /// Decoded socket address for connect/sendto/bind ("127.0.0.1:8080", "@abstract", "/run/x.sock").
    public var address: String?
    /// Outcome: "denied:EPERM", "denied:ENOSYS", "allowed".
    public var outcome: String
    /// How many times this (name, path/address, outcome) occurred.
    public var count: Int

    public init(name: String, number: Int32, arguments: [String], path: String? = nil, address: String? = nil,
                outcome: String, count: Int = 1) {
        self.name = name
        self.number = number
        self.arguments = arguments
        self.path = path
        self.address = address
        self.outcome = outcome
        self.count = count
    }
}

/// What was actually in force for a run, so an auditor never has to trust
/// the profile text: the engine fills it from what it applied.
public struct EnforcementManifest: Sendable, Hashable, Codable {
    public var profile: String
    /// Digest of the resolved profile.
    public var profileDigest: String
    /// Namespaces the child was created in: user, mnt, pid, net, ipc, uts, cgroup.
    public var namespaces: [String]
    /// uid/gid inside the sandbox and the host ids they map to.
    public var uidInside: UInt32
    public var gidInside: UInt32
    public var uidOutside: UInt32
    public var gidOutside: UInt32
    /// Root filesystem description: "tmpfs + N read-only binds + M writable binds".
    public var rootFilesystem: [String]
    public var network: String
    public var landlockABI: Int
    public var landlockFilesystemRights: [String]
    public var landlockNetworkRule: String?
    public var seccompFilterDigest: String
    public var seccompDefaultAction: String
    public var seccompAllowedSyscalls: Int
    public var capabilities: String
    public var noNewPrivs: Bool
    /// "v1", "v2" or "none".
    public var cgroupVersion: String
    public var cgroupControllers: [String]
    /// Limits in force, by `LimitHit.Kind` raw value, in the kind's unit;
    /// plus the rlimits with no kind of their own (`core`,
    /// `pending_signals`, `message_queue_bytes`) and `cpu_quota_percent`.
    public var limits: [String: UInt64]
    /// Limits in force whose hits this run could not observe, so that their
    /// absence from `limitsHit` means nothing: open_files always (a refused
    /// open is an errno the process handles), memory and processes without
    /// their cgroup controller (the rlimit makes a call fail), cpu_time and
    /// file_size of the command's own children without process events
    /// (Airlock not root).
    public var limitsUnobserved: [String]
    /// Syscalls recorded by the notify listener.
    public var recordedSyscalls: [String]

    public init(profile: String, profileDigest: String, namespaces: [String], uidInside: UInt32, gidInside: UInt32,
                uidOutside: UInt32, gidOutside: UInt32, rootFilesystem: [String], network: String, landlockABI: Int,
                landlockFilesystemRights: [String], landlockNetworkRule: String?, seccompFilterDigest: String,
                seccompDefaultAction: String, seccompAllowedSyscalls: Int, capabilities: String, noNewPrivs: Bool,
                cgroupVersion: String, cgroupControllers: [String], limits: [String: UInt64], limitsUnobserved: [String] = [],
                recordedSyscalls: [String]) {
        self.profile = profile
        self.profileDigest = profileDigest
        self.namespaces = namespaces
        self.uidInside = uidInside
        self.gidInside = gidInside
        self.uidOutside = uidOutside
        self.gidOutside = gidOutside
        self.rootFilesystem = rootFilesystem
        self.network = network
        self.landlockABI = landlockABI
        self.landlockFilesystemRights = landlockFilesystemRights
        self.landlockNetworkRule = landlockNetworkRule
        self.seccompFilterDigest = seccompFilterDigest
        self.seccompDefaultAction = seccompDefaultAction
        self.seccompAllowedSyscalls = seccompAllowedSyscalls
        self.capabilities = capabilities
        self.noNewPrivs = noNewPrivs
        self.cgroupVersion = cgroupVersion
        self.cgroupControllers = cgroupControllers
        self.limitsUnobserved = limitsUnobserved
        self.limits = limits
        self.recordedSyscalls = recordedSyscalls
    }
}
