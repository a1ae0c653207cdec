import AirlockCore
import CJail
import Foundation

/// Turns a child's (step, errno, index) report into one line that says what
/// failed and how to fix it.
enum SetupFailure {
    static func error(step: Int32, errno code: Int32, index: Int32, mounts: [MountEntry], commandFiles: [MountEntry] = [],
                      workdir: String? = nil) -> AirlockError {
        let reason = String(cString: strerror(code))
        switch UInt32(step) {
        case CJAIL_STEP_IDENTITY.rawValue:
            if code == EPERM || code == EINVAL || code == ENOSPC {
                return AirlockError(.unsupportedProtection,
                    "cannot create the sandbox's user namespace (\(reason)); enable unprivileged user namespaces "
                        + "(sysctl user.max_user_namespaces > 0, and kernel.apparmor_restrict_unprivileged_userns=0 where present) — see `airlock doctor`")
            }
            return AirlockError(.setupFailed, "setting the sandbox identity failed: \(reason)")
        case CJAIL_STEP_MOUNT.rawValue:
            if index >= 0 && Int(index) < mounts.count {
                let m = mounts[Int(index)]
                let source = m.source.isEmpty ? "" : " from \(m.source)"
                let hint = code == EINVAL && !m.source.isEmpty ? " (a bind source with mounts beneath it can't be bound; bind a more specific path)"
                    : code == ELOOP ? " (a symlink on the way to it: mount targets are never reached through one)" : ""
                return AirlockError(.setupFailed, "mounting \(m.target)\(source) failed: \(reason)\(hint)")
            }
            return AirlockError(.setupFailed, "making the new root read-only failed: \(reason)")
        case CJAIL_STEP_LATE_MOUNT.rawValue:
            let target = index >= 0 && Int(index) < commandFiles.count ? commandFiles[Int(index)].target : "a file of the request"
            return AirlockError(.setupFailed, "placing \(target) in the sandbox failed: \(reason)")
        case CJAIL_STEP_WORKDIR.rawValue:
            return AirlockError(.invalidArguments,
                                "cannot enter the working directory\(workdir.map { " " + $0 } ?? "") inside the sandbox: \(reason)")
        case CJAIL_STEP_LANDLOCK.rawValue:
            return AirlockError(.unsupportedProtection, "applying Landlock failed (\(reason)); check `airlock doctor`")
        case CJAIL_STEP_SECCOMP.rawValue:
            return AirlockError(.unsupportedProtection, "loading the seccomp filter failed (\(reason)); check `airlock doctor`")
        case CJAIL_STEP_LISTENER.rawValue:
            return AirlockError(.unsupportedProtection,
                "could not take the seccomp listener from the child (\(reason)); is ptrace restricted (kernel.yama.ptrace_scope=3)? see `airlock doctor`")
        default:
            return AirlockError(.setupFailed, "sandbox setup failed at \(stepName(step)): \(reason)")
        }
    }

    static func stepName(_ step: Int32) -> String {
        switch UInt32(step) {
        case CJAIL_STEP_SYNC.rawValue: "synchronisation with the parent"
        case CJAIL_STEP_MOUNT_PRIVATE.rawValue: "making mounts private"
        case CJAIL_STEP_ROOT_TMPFS.rawValue: "creating the new root"
        case CJAIL_STEP_PIVOT.rawValue: "pivot_root"
        case CJAIL_STEP_HOSTNAME.rawValue: "setting the hostname"
        case CJAIL_STEP_LOOPBACK.rawValue: "bringing up loopback"
        case CJAIL_STEP_RLIMIT.rawValue: "setting resource limits / joining the cgroup"
        case CJAIL_STEP_SESSION.rawValue: "setsid"
        case CJAIL_STEP_FDS.rawValue: "setting up the command's file descriptors"
        case CJAIL_STEP_CAPS.rawValue: "dropping capabilities"
        case CJAIL_STEP_NO_NEW_PRIVS.rawValue: "no_new_privs"
        case CJAIL_STEP_SIGNALS.rawValue: "resetting signals"
        default: "step \(step)"
        }
    }
}
