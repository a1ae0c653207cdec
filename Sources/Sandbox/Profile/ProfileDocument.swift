/// A value read from a profile file, with the place it was written.
struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    var value: Value
    var location: SourceLocation
}

/// The settings of a profile other than its syscall rules, as one file says
/// them (before `extends:`) or as a chain of files resolved them. `nil` and
/// empty mean "not said here": the parent's value stands.
struct ProfileSettings: Sendable, Hashable {
    var description: Located<String>?
    var network: Located<NetworkPolicy>?
    var uid: Located<UInt32>?
    var gid: Located<UInt32>?
    var hostname: Located<String>?
    var wallSeconds: Located<Double>?
    var cpuSeconds: Located<UInt64>?
    var memoryBytes: Located<UInt64>?
    var processes: Located<UInt64>?
    var outputBytes: Located<UInt64>?
    var fileSizeBytes: Located<UInt64>?
    var openFiles: Located<UInt64>?
    var environment: [String: Located<String>] = [:]
    var readOnly: [Located<BindMount>] = []
    var writable: [Located<BindMount>] = []
    /// tmpfs mount point → size in bytes.
    var tmpfs: [String: Located<UInt64>] = [:]
    /// `workspace: false` turns the inherited workspace off.
    var workspaceEnabled: Located<Bool>?
    var workspacePath: Located<String>?
    var workspaceSize: Located<UInt64>?
    /// Symlink path → target.
    var symlinks: [String: Located<String>] = [:]
    var proc: Located<Bool>?
    var dev: Located<Bool>?
}

/// What a child takes away from its parent before adding its own entries
/// (`remove:`). Each entry names something inherited; naming something the
/// parent does not have is an error, so a typo cannot leave a rule in place
/// that the admin believes is gone.
struct ProfileRemovals: Sendable, Hashable {
    var allow: [Located<String>] = []
    var deny: [Located<String>] = []
    /// Syscall names whose inherited conditions are all dropped.
    var conditions: [Located<String>] = []
    var record: [Located<String>] = []
    var environment: [Located<String>] = []
    /// Bind destinations.
    var readOnly: [Located<String>] = []
    var writable: [Located<String>] = []
    var tmpfs: [Located<String>] = []
    var symlinks: [Located<String>] = []

    var isEmpty: Bool { self == ProfileRemovals() }
}

/// One profile file, parsed and checked on its own.
struct ProfileDocument: Sendable, Hashable {
    var name: String
    var file: String
    var extends: Located<String>?
    var abstract: Bool = false
    var settings = ProfileSettings()
    /// Syscall names and `@group`s, as written.
    var allow: [Located<String>] = []
    var deny: [Located<String>] = []
    var conditions: [Located<SyscallCondition>] = []
    var record: [Located<String>] = []
    var removals = ProfileRemovals()
}
