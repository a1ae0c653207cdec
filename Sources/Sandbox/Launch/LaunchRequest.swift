import Foundation

/// One command to run under a profile. Everything the caller may add on top
/// of the profile is here; the profile itself is never loosened by a
/// request except where a field says so (extra binds are validated the same
/// way the profile's own are).
public struct LaunchRequest: Sendable, Hashable {
    /// argv[0] is resolved inside the sandbox's view (PATH of the profile's
    /// environment when it has no slash).
    public var argv: [String]
    /// Added to the profile's environment (these win).
    public var environment: [String: String]
    /// Bytes fed to the child's stdin; nil means /dev/null.
    public var stdin: Data?
    /// Working directory inside the sandbox; nil means the workspace (or /).
    public var workdir: String?
    public var extraReadOnly: [BindMount]
    public var extraWritable: [BindMount]
    /// Small files placed read-only in the sandbox (e.g. the run's credential).
    public var files: [InjectedFile]
    /// Replaces the profile's limits when set (callers tighten, never loosen:
    /// the executor takes the minimum of profile and tool).
    public var limits: ResourceLimits?

    public init(argv: [String], environment: [String: String] = [:], stdin: Data? = nil, workdir: String? = nil,
                extraReadOnly: [BindMount] = [], extraWritable: [BindMount] = [], files: [InjectedFile] = [],
                limits: ResourceLimits? = nil) {
        self.argv = argv
        self.environment = environment
        self.stdin = stdin
        self.workdir = workdir
        self.extraReadOnly = extraReadOnly
        self.extraWritable = extraWritable
        self.files = files
        self.limits = limits
    }
}

/// A file the parent writes into the sandbox before the child starts.
public struct InjectedFile: Sendable, Hashable {
    /// Absolute path inside the sandbox, under /run/airlock or the workspace.
    public var path: String
    public var contents: Data
    public var mode: UInt32

    public init(path: String, contents: Data, mode: UInt32 = 0o400) {
        self.path = path
        self.contents = contents
        self.mode = mode
    }
}
