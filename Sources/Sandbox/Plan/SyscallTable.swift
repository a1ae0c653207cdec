import CSeccomp
import Foundation

/// Syscall names ↔ numbers for the native architecture (via libseccomp),
/// and the set no profile can allow.
public enum SyscallTable {
    /// Syscalls that escape or weaken the sandbox, or widen the kernel attack
    /// surface far beyond what a tool needs. The compiler never allows them,
    /// whatever a profile says; the profile loader rejects profiles that try.
    public static let alwaysDenied: Set<String> = [
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "keyctl", "add_key", "request_key",
        "bpf", "perf_event_open", "userfaultfd",
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "mount", "umount2", "pivot_root", "chroot", "mount_setattr",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "unshare", "setns", "clone3",
        "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "lookup_dcookie",
        "iopl", "ioperm", "modify_ldt", "uselib", "vhangup", "nfsservctl",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
        "open_by_handle_at", "name_to_handle_at", "syslog", "_sysctl",
        "fanotify_init", "create_module", "get_kernel_syms", "query_module",
    ]

    /// The native number of a syscall, or nil if it doesn't exist here.
    public static func number(of name: String) -> Int32? {
        let nr = seccomp_syscall_resolve_name(name)
        return nr >= 0 ? nr : nil
    }

    /// The name of a native syscall number ("syscall_N" when unknown).
    public static func name(of nr: Int32) -> String {
        guard let cName = seccomp_syscall_resolve_num_arch(seccomp_arch_native(), nr) else { return "syscall_\(nr)" }
        defer { free(cName) }
        return String(cString: cName)
    }

    /// A name for a syscall of another architecture, e.g. "x86:getpid".
    public static func name(of nr: Int32, arch: UInt32) -> String {
        let archName = arch == 0x4000_0003 ? "x86" : "arch_\(String(arch, radix: 16))"
        let bare = nr & ~0x4000_0000
        let resolvedArch = (arch == seccomp_arch_native() && nr != bare) ? UInt32(0x4000_003E) : arch // x32
        guard let cName = seccomp_syscall_resolve_num_arch(resolvedArch, bare) else { return "\(archName):syscall_\(nr)" }
        defer { free(cName) }
        return (resolvedArch == 0x4000_003E ? "x32" : archName) + ":" + String(cString: cName)
    }

    public static func exists(_ name: String) -> Bool { seccomp_syscall_resolve_name(name) != -1 }
}
