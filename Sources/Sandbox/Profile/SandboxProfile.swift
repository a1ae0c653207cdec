/// A resolved sandbox profile: what a confined child may see and do.
///
/// Profiles are written as YAML in `Profiles/` (see `ProfileLoader`), may
/// `extends:` another, and are fully resolved before they reach the plan
/// compiler: nothing here is optional in the sense of "maybe enforced". Every
/// field is either in force or the launch refuses to start.
public struct SandboxProfile: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var filesystem: FilesystemPolicy
    public var network: NetworkPolicy
    public var identity: IdentityPolicy
    public var seccomp: SeccompPolicy
    public var limits: ResourceLimits
    public var environment: EnvironmentPolicy
    /// Syscall names whose successful use is recorded (execve, openat for
    /// write, connect, unlinkat, renameat...). Observation only.
    public var record: [String]

    public init(name: String, description: String, filesystem: FilesystemPolicy, network: NetworkPolicy,
                identity: IdentityPolicy, seccomp: SeccompPolicy, limits: ResourceLimits,
                environment: EnvironmentPolicy, record: [String]) {
        self.name = name
        self.description = description
        self.filesystem = filesystem
        self.network = network
        self.identity = identity
        self.seccomp = seccomp
        self.limits = limits
        self.environment = environment
        self.record = record
    }
}

/// The child's filesystem view: a fresh tmpfs root with only these in it.
public struct FilesystemPolicy: Sendable, Hashable, Codable {
    /// Host paths bound read-only (source → destination inside).
    public var readOnly: [BindMount]
    /// Host paths bound writable. Landlock grants write only beneath these,
    /// the workspace and tmpfs mounts.
    public var writable: [BindMount]
    /// Private tmpfs mounts (e.g. /tmp), writable, size-capped.
    public var tmpfs: [TmpfsMount]
    /// A fresh per-run writable directory, bound at `path`, removed after the run.
    public var workspace: WorkspacePolicy?
    /// Symlinks created in the new root (merged-/usr layouts: /bin → usr/bin).
    public var symlinks: [Symlink]
    /// Mount a fresh /proc for the child's pid namespace.
    public var proc: Bool
    /// Mount a minimal /dev (null, zero, full, random, urandom, tty-less).
    public var dev: Bool

    public init(readOnly: [BindMount] = [], writable: [BindMount] = [], tmpfs: [TmpfsMount] = [],
                workspace: WorkspacePolicy? = nil, symlinks: [Symlink] = [], proc: Bool = true, dev: Bool = true) {
        self.readOnly = readOnly
        self.writable = writable
        self.tmpfs = tmpfs
        self.workspace = workspace
        self.symlinks = symlinks
        self.proc = proc
        self.dev = dev
    }
}

public struct BindMount: Sendable, Hashable, Codable {
    public var source: String
    public var destination: String
    /// When true a missing source is skipped (and reported in the manifest);
    /// when false it is an error before anything starts.
    public var optional: Bool

    public init(source: String, destination: String? = nil, optional: Bool = false) {
        self.source = source
        self.destination = destination ?? source
        self.optional = optional
    }
}

public struct TmpfsMount: Sendable, Hashable, Codable {
    public var path: String
    public var sizeBytes: UInt64

    public init(path: String, sizeBytes: UInt64) {
        self.path = path
        self.sizeBytes = sizeBytes
    }
}

public struct WorkspacePolicy: Sendable, Hashable, Codable {
    /// Where the workspace appears inside the sandbox (also the default cwd).
    public var path: String
    public var sizeBytes: UInt64

    public init(path: String = "/workspace", sizeBytes: UInt64 = 256 << 20) {
        self.path = path
        self.sizeBytes = sizeBytes
    }
}

public struct Symlink: Sendable, Hashable, Codable {
    public var path: String
    public var target: String

    public init(path: String, target: String) {
        self.path = path
        self.target = target
    }
}

public enum NetworkPolicy: String, Sendable, Hashable, Codable {
    /// A new, empty network namespace: not even loopback is up.
    case none
    /// A new network namespace with only loopback up.
    case loopback
    /// The host's network namespace. Only for profiles that say so explicitly.
    case host
}

/// Who the child is inside its user namespace. Never host root.
public struct IdentityPolicy: Sendable, Hashable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var hostname: String

    public init(uid: UInt32 = 1000, gid: UInt32 = 1000, hostname: String = "airlock") {
        self.uid = uid
        self.gid = gid
        self.hostname = hostname
    }
}

/// The seccomp allowlist. Syscall names and `@group`s are expanded by the
/// loader; the compiler resolves names to numbers with libseccomp.
public struct SeccompPolicy: Sendable, Hashable, Codable {
    /// Syscalls allowed (names, already expanded from groups).
    public var allow: [String]
    /// Syscalls known to be denied: they fail with EPERM (everything else
    /// not allowed fails with ENOSYS, so programs probe and fall back).
    public var deny: [String]
    /// Allowed only when the condition holds (otherwise EPERM). A
    /// conditioned syscall is also listed in `allow`; several conditions on
    /// one syscall are alternatives (any one allows the call).
    public var conditions: [SyscallCondition]

    public init(allow: [String], deny: [String], conditions: [SyscallCondition] = []) {
        self.allow = allow
        self.deny = deny
        self.conditions = conditions
    }
}

/// `syscall(arg[index] op value)`; e.g. personality(arg0 == 0), or ioctl
/// with a command compared on its low 32 bits.
public struct SyscallCondition: Sendable, Hashable, Codable {
    public enum Operator: String, Sendable, Hashable, Codable {
        case equal = "=="
        case notEqual = "!="
        /// (arg & mask) == 0: none of the mask's bits set.
        case maskedZero = "&==0"
    }

    public var syscall: String
    public var argument: Int
    public var op: Operator
    public var value: UInt64

    public init(syscall: String, argument: Int, op: Operator, value: UInt64) {
        self.syscall = syscall
        self.argument = argument
        self.op = op
        self.value = value
    }

    /// Whether the condition holds for `argumentValue`, as the filter
    /// compares it: `!=` only for values whose high 32 bits are clear (the
    /// kernel reads most arguments as 32-bit ints, where 0x1_0000000a acts
    /// as 10).
    public func holds(for argumentValue: UInt64) -> Bool {
        switch op {
        case .equal: argumentValue == value
        case .notEqual: argumentValue <= 0xFFFF_FFFF && argumentValue != value
        case .maskedZero: argumentValue & value == 0
        }
    }
}

/// Resource limits; every one is always in force (rlimits always, a cgroup
/// where the host offers one).
public struct ResourceLimits: Sendable, Hashable, Codable {
    public var wallSeconds: Double
    public var cpuSeconds: UInt64
    public var memoryBytes: UInt64
    public var processes: UInt64
    /// Cap on each of stdout and stderr kept by the parent.
    public var outputBytes: UInt64
    public var fileSizeBytes: UInt64
    public var openFiles: UInt64

    public init(wallSeconds: Double = 30, cpuSeconds: UInt64 = 30, memoryBytes: UInt64 = 512 << 20,
                processes: UInt64 = 64, outputBytes: UInt64 = 1 << 20, fileSizeBytes: UInt64 = 64 << 20,
                openFiles: UInt64 = 256) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.outputBytes = outputBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
    }
}

/// The child's environment starts empty; only these are set.
public struct EnvironmentPolicy: Sendable, Hashable, Codable {
    public var set: [String: String]

    public init(set: [String: String] = [:]) { self.set = set }
}
