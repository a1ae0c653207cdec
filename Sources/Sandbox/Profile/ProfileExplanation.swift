/// `airlock profile explain`: each protection of a resolved profile in
/// plain words, and what it will be on this host (from `HostChecks`, the
/// same judgments `airlock doctor` prints, plus the profile-specific rules of
/// the launch preflight).
public struct ProfileExplanation: Sendable, Hashable, Codable {
    public struct Protection: Sendable, Hashable, Codable {
        public var name: String
        /// What the profile asks for.
        public var profile: String
        /// What this host will do with it; starts with "refused:" when the
        /// launch will fail closed.
        public var onThisHost: String
    }

    public var profile: String
    public var digest: String
    public var protections: [Protection]

    public init(_ profile: SandboxProfile, host: HostCapabilities) {
        self.profile = profile.name
        digest = ProfileDigest.of(profile)
        let describer = ProtectionDescriber(profile: profile, host: host)
        protections = [
            Protection(name: "namespaces", profile: describer.namespaces, onThisHost: describer.namespacesOnHost),
            Protection(name: "filesystem", profile: describer.filesystem, onThisHost: describer.filesystemOnHost),
            Protection(name: "network", profile: describer.network, onThisHost: describer.networkOnHost),
            Protection(name: "identity", profile: describer.identity, onThisHost: describer.identityOnHost),
            Protection(name: "seccomp", profile: describer.seccomp, onThisHost: describer.seccompOnHost),
            Protection(name: "limits", profile: describer.limits, onThisHost: describer.limitsOnHost),
            Protection(name: "environment", profile: describer.environment, onThisHost: "as written"),
            Protection(name: "recording", profile: describer.recording, onThisHost: describer.recordingOnHost),
        ]
    }
}

/// The sentences behind `ProfileExplanation`, one property per protection.
struct ProtectionDescriber {
    let profile: SandboxProfile
    let host: HostCapabilities
    let checks: [HostCheck]

    init(profile: SandboxProfile, host: HostCapabilities) {
        self.profile = profile
        self.host = host
        checks = HostChecks.evaluate(host)
    }

    /// The doctor check `name` as one phrase about `subject`, starting with
    /// "refused:" when the launch will fail closed.
    private func hostLine(_ subject: String, check name: String, prefix: String = "") -> String {
        guard let check = checks.first(where: { $0.name == name }) else { return prefix + subject + ": not probed" }
        let fix = check.fix.map { "; fix: \($0)" } ?? ""
        switch check.status {
        case .ok: return prefix + subject + ": " + check.detail
        case .warn: return prefix + subject + ": " + check.detail + fix
        case .fail: return "refused: " + subject + ": " + check.detail + fix
        }
    }

    var namespaces: String {
        let net = profile.network == .host ? "" : ", net"
        return "new user, mount, pid\(net), ipc, uts (hostname \(profile.identity.hostname)) and cgroup namespaces; no new namespaces can be created inside"
    }

    var namespacesOnHost: String { hostLine("user namespaces", check: "user namespaces") }

    var filesystem: String {
        let fs = profile.filesystem
        var parts = ["a fresh empty root holding only:"]
        if !fs.readOnly.isEmpty { parts.append("read-only " + fs.readOnly.map(describe).joined(separator: ", ") + ";") }
        if !fs.writable.isEmpty { parts.append("writable " + fs.writable.map(describe).joined(separator: ", ") + ";") }
        if !fs.symlinks.isEmpty { parts.append("symlinks " + fs.symlinks.map { "\($0.path) → \($0.target)" }.joined(separator: ", ") + ";") }
        if !fs.tmpfs.isEmpty {
            parts.append("private tmpfs " + fs.tmpfs.map { "\($0.path) (\(ProfileUnits.formatSize($0.sizeBytes)))" }.joined(separator: ", ") + ";")
        }
        if let workspace = fs.workspace {
            parts.append("a per-run workspace at \(workspace.path) (\(ProfileUnits.formatSize(workspace.sizeBytes)), removed after the run);")
        }
        parts.append(fs.proc ? "a fresh /proc showing only the sandbox's processes;" : "no /proc;")
        parts.append(fs.dev ? "a minimal /dev (null, zero, full, random, urandom)." : "no /dev.")
        parts.append("Nothing else of the host is visible.")
        return parts.joined(separator: " ")
    }

    var filesystemOnHost: String {
        if host.landlockABI == 1, !profile.filesystem.writable.isEmpty {
            return "refused: writable binds need Landlock ABI 2 or later; this host has ABI 1"
        }
        return hostLine("Landlock", check: "Landlock", prefix: "a mount namespace, and ")
    }

    var network: String {
        switch profile.network {
        case .none: "none: an empty network namespace, no interface at all (not even 127.0.0.1)"
        case .loopback: "loopback: a private network namespace with only its own 127.0.0.1 (never the host's)"
        case .host: "host: the host's own network; the command can reach anything this host can"
        }
    }

    var networkOnHost: String {
        profile.network == .host ? "shares this host's network namespace" : "a new network namespace per run"
    }

    var identity: String {
        "uid \(profile.identity.uid), gid \(profile.identity.gid) inside (never root); every capability dropped, including bounding and ambient; no_new_privs, so setuid binaries gain nothing; a new session without a terminal"
    }

    var identityOnHost: String {
        host.isRoot ? "Airlock runs as root here: the sandbox user maps to an unprivileged host id (nobody by default)"
            : "maps to your own uid \(host.uid) on the host"
    }

    var seccomp: String {
        let policy = profile.seccomp
        let allowed = Set(policy.allow)
        let full = SyscallGroups.all.filter { Set($0.syscalls).isSubset(of: allowed) }.map(\.name)
        let partial = SyscallGroups.all.filter { !Set($0.syscalls).isSubset(of: allowed) && !allowed.isDisjoint(with: $0.syscalls) }
            .map { "\($0.name) (\(allowed.intersection($0.syscalls).count)/\($0.syscalls.count))" }
        let conditions = policy.conditions.map(describe).joined(separator: ", ")
        return ["\(policy.allow.count) syscalls allowed",
                full.isEmpty ? nil : "groups \(full.joined(separator: ", "))",
                partial.isEmpty ? nil : "part of \(partial.joined(separator: ", "))",
                conditions.isEmpty ? nil : "only under conditions: \(conditions)",
                "\(policy.deny.count) refused with EPERM (io_uring, keyctl, bpf, ptrace, mount and namespace calls among them)",
                "everything else fails with ENOSYS (clone3 too, so libc falls back to clone); other architectures are killed",
        ].compactMap { $0 }.joined(separator: "; ")
    }

    var seccompOnHost: String { hostLine("seccomp", check: "seccomp") }

    var limits: String {
        let l = profile.limits
        return "wall \(ProfileUnits.formatDuration(l.wallSeconds)), CPU \(ProfileUnits.formatDuration(Double(l.cpuSeconds))), memory \(ProfileUnits.formatSize(l.memoryBytes)), \(l.processes) processes, \(ProfileUnits.formatSize(l.outputBytes)) of output per stream, files up to \(ProfileUnits.formatSize(l.fileSizeBytes)), \(l.openFiles) open files"
    }

    var limitsOnHost: String { hostLine("cgroups", check: "cgroups", prefix: "rlimits always; ") }

    var environment: String {
        let names = profile.environment.set.keys.sorted()
        return "starts empty" + (names.isEmpty ? "" : "; sets " + names.joined(separator: ", "))
    }

    var recording: String {
        profile.record.isEmpty ? "nothing beyond refused calls"
            : "records " + profile.record.joined(separator: ", ") + " (observation only), plus every refused call"
    }

    var recordingOnHost: String { hostLine("seccomp", check: "seccomp") }

    private func describe(_ bind: BindMount) -> String {
        (bind.source == bind.destination ? bind.source : "\(bind.source) at \(bind.destination)") + (bind.optional ? " (if present)" : "")
    }

    private func describe(_ condition: SyscallCondition) -> String {
        let value = condition.value > 255 ? "0x" + String(condition.value, radix: 16) : String(condition.value)
        return "\(condition.syscall)(arg\(condition.argument) \(condition.op.rawValue) \(value))"
    }
}
