import AirlockCore
import Foundation

/// Refuses, before anything starts, a launch whose protections this host
/// cannot provide. Never a weaker run: the error says what is missing and
/// how to fix it.
enum Preflight {
    static func check(profile: SandboxProfile, request: LaunchRequest, host: HostCapabilities) throws {
        guard host.userNamespaces else {
            throw AirlockError(.unsupportedProtection,
                "profile \(profile.name) needs user namespaces, which this host disables; "
                    + "set sysctl user.max_user_namespaces to a positive value"
                    + (host.appArmorRestrictsUserNamespaces == true ? " and kernel.apparmor_restrict_unprivileged_userns=0 (or run as root)" : ""))
        }
        guard host.landlockABI >= 1 else {
            throw AirlockError(.unsupportedProtection,
                "profile \(profile.name) needs Landlock, which this kernel does not offer (\(host.landlockError ?? "not enabled")); "
                    + "boot with landlock in the lsm= list (CONFIG_SECURITY_LANDLOCK=y)")
        }
        guard host.seccompUserNotification else {
            throw AirlockError(.unsupportedProtection,
                "profile \(profile.name) needs seccomp user notification (Linux ≥ 5.5) to record denied syscalls; upgrade the kernel")
        }
        guard host.landlockABI >= 2 || (profile.filesystem.writable.isEmpty && request.extraWritable.isEmpty) else {
            throw AirlockError(.unsupportedProtection,
                "\(profile.filesystem.writable.isEmpty ? "this launch" : "profile \(profile.name)") binds host paths writable, "
                    + "which needs Landlock ABI ≥ 2 (file reparenting control); this host has ABI \(host.landlockABI)")
        }
        guard profile.identity.uid != 0, profile.identity.gid != 0 else {
            throw AirlockError(.invalidProfile, "profile \(profile.name) asks for uid/gid 0 inside the sandbox; use an unprivileged id")
        }
    }
}
