import AirlockCore
import CLaunchImage
import Foundation

/// One line of `airlock doctor`.
public struct HostCheck: Sendable, Hashable, Codable {
    /// The raw value is what `doctor --json` reports; the text output pads
    /// it to line the checks up.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case ok
        case warn = "warn"
        case fail = "FAIL"
    }

    public var name: String
    public var status: Status
    public var detail: String
    public var fix: String?
}

/// Judges the probed capabilities: which are required (fail), which only
/// weaken what can be reported or limited (warn).
public enum HostChecks {
    public static func evaluate(_ host: HostCapabilities) -> [HostCheck] {
        var checks: [HostCheck] = []
        checks.append(host.userNamespaces
            ? HostCheck(name: "user namespaces", status: .ok, detail: "available (max \(host.maxUserNamespaces.map(String.init) ?? "unlimited"))")
            : HostCheck(name: "user namespaces", status: .fail, detail: "disabled",
                        fix: "sysctl -w user.max_user_namespaces=15000" + (host.appArmorRestrictsUserNamespaces == true
                            ? "; sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or run airlock as root)" : "")))
        if let restricted = host.appArmorRestrictsUserNamespaces {
            checks.append(HostCheck(name: "AppArmor userns restriction", status: restricted && !host.isRoot ? .fail : .ok,
                                    detail: restricted ? "enabled" + (host.isRoot ? " (not in the way: running as root)" : "") : "disabled",
                                    fix: restricted && !host.isRoot ? "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile granting userns to airlock" : nil))
        }
        switch host.landlockABI {
        case 0:
            checks.append(HostCheck(name: "Landlock", status: .fail, detail: host.landlockError ?? "unavailable",
                                    fix: "use a kernel with CONFIG_SECURITY_LANDLOCK=y and add landlock to the lsm= boot parameter"))
        case 1..<4:
            checks.append(HostCheck(name: "Landlock", status: .warn, detail: "ABI \(host.landlockABI): filesystem rules only",
                                    fix: "Linux ≥ 6.7 adds TCP port rules (ABI 4) and ≥ 6.12 abstract-socket/signal scoping (ABI 6)"))
        case 4..<6:
            checks.append(HostCheck(name: "Landlock", status: .warn, detail: "ABI \(host.landlockABI): filesystem and TCP rules; no abstract unix socket / signal scoping",
                                    fix: "Linux ≥ 6.12 (ABI 6) scopes abstract unix sockets and signals to the sandbox"))
        default:
            checks.append(HostCheck(name: "Landlock", status: .ok, detail: "ABI \(host.landlockABI): filesystem, TCP, abstract unix socket and signal scoping"))
        }
        checks.append(host.seccompUserNotification
            ? HostCheck(name: "seccomp", status: .ok, detail: "filters with user notification (denied and observed syscalls are recorded)")
            : HostCheck(name: "seccomp", status: .fail, detail: "no user notification", fix: "Linux ≥ 5.5 with CONFIG_SECCOMP_FILTER=y"))
        switch host.cgroupVersion {
        case .none:
            checks.append(HostCheck(name: "cgroups", status: .warn, detail: "no cgroup hierarchy: memory falls back to RLIMIT_AS, process count to RLIMIT_NPROC, no peak-memory or fork-bomb evidence",
                                    fix: "mount cgroup2 at /sys/fs/cgroup"))
        case .v1, .v2:
            let missing = CgroupProbe.wanted.filter { !host.cgroupControllers.contains($0) }
            checks.append(HostCheck(name: "cgroups", status: missing.isEmpty ? .ok : .warn,
                                    detail: "\(host.cgroupVersion.rawValue), usable controllers: \(host.cgroupControllers.isEmpty ? "none" : host.cgroupControllers.joined(separator: ", "))",
                                    fix: missing.isEmpty ? nil : "run airlock as root or delegate a cgroup subtree with \(missing.joined(separator: ", ")) to its user"))
        }
        checks.append(launchImages())
        if let scope = HostCapabilities.readInt("/proc/sys/kernel/yama/ptrace_scope") {
            checks.append(HostCheck(name: "ptrace scope (for the syscall recorder)", status: scope >= 3 ? .fail : .ok,
                                    detail: "kernel.yama.ptrace_scope=\(scope)",
                                    fix: scope >= 3 ? "set kernel.yama.ptrace_scope ≤ 2 (needs a reboot once 3 is set)" : nil))
        }
        return checks
    }

    /// Whether `airlock exec` can save and run launch images here: they are
    /// sealed with a secret in the user's kernel keyring (made now if
    /// missing, as the first `airlock exec` would). Without it every launch
    /// is planned by airlock-cli: slower, confined the same.
    static func launchImages() -> HostCheck {
        var secret = [UInt8](repeating: 0, count: 16)
        let rc = claunch_mac_secret(1, &secret)
        guard rc != 0 else {
            return HostCheck(name: "launch images", status: .ok,
                             detail: "the kernel keyring holds their secret: repeated airlock exec launches start from saved plans")
        }
        return HostCheck(name: "launch images", status: .warn,
                         detail: "no secret in the kernel keyring (\(String(cString: strerror(-rc)))): every airlock exec is planned by airlock-cli (slower, same confinement)",
                         fix: "allow keyctl and add_key to Airlock (a container's seccomp profile may deny them)")
    }

    /// Runs /bin/true under the shipped strict profile.
    public static func trialLaunch() -> HostCheck {
        do {
            let profile = try ProfileCatalog.shipped().resolve(name: "strict")
            let result = try SandboxEngine(options: .init(prewarm: false)).runBlocking(LaunchRequest(argv: ["/bin/true"]), profile: profile)
            guard result.exitCode == 0 else {
                return HostCheck(name: "trial launch", status: .fail, detail: "/bin/true ended with \(result.termination.rawValue) \(result.shellStatus)")
            }
            // Which /dev the host gives (see DeviceFolder): both are as
            // tight; the shared folder is one mount per launch, not a dozen.
            let dev = DeviceFolder.shared.map { "/dev bound from \($0)" }
                ?? "/dev from per-device binds (no usable \(DeviceFolder.defaultPath); making one needs root)"
            return HostCheck(name: "trial launch", status: .ok,
                             detail: "ran with namespaces \(result.manifest.namespaces.joined(separator: ",")), Landlock ABI \(result.manifest.landlockABI), seccomp \(result.manifest.seccompFilterDigest.prefix(12)), cgroup \(result.manifest.cgroupVersion), \(dev)")
        } catch let error as AirlockError {
            return HostCheck(name: "trial launch", status: .fail, detail: error.message)
        } catch {
            return HostCheck(name: "trial launch", status: .fail, detail: "\(error)")
        }
    }
}
