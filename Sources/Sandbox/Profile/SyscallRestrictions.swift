/// The syscalls no profile may allow, whatever it says.
///
/// These are the kernel's largest attack surfaces and the classic container
/// escapes: interfaces that are not namespaced (keyrings, the clock, kernel
/// modules), that inspect or steer other processes (ptrace and friends),
/// that rebuild the filesystem view the sandbox set up (mount API, chroot,
/// pivot_root), that create new namespaces (unshare, setns), or that bypass
/// seccomp's view of arguments (io_uring runs operations seccomp never
/// sees). A profile listing one under `allow:` is a validation error naming
/// the line; the resolved profile's `deny` always contains `alwaysDenied`.
public enum SyscallRestrictions {
    /// Fail with EPERM: the caller learns the call exists and was refused.
    public static let alwaysDenied: Set<String> = [
        // io_uring: operations run inside the kernel, outside seccomp's view.
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        // Kernel keyrings are not namespaced.
        "keyctl", "add_key", "request_key",
        // In-kernel programs and performance counters: large attack surfaces.
        "bpf", "perf_event_open",
        // userfaultfd widens kernel race windows for exploits.
        "userfaultfd",
        // Looking into or steering other processes.
        "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
        "migrate_pages", "move_pages",
        // Replacing or extending the running kernel.
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "uselib",
        "create_module", "get_kernel_syms", "query_module", "nfsservctl", "_sysctl", "reboot",
        // Rebuilding the filesystem view: old and new mount APIs, chroot.
        "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
        "move_mount", "open_tree", "mount_setattr",
        // File handles open files by inode, around path checks (the "shocker" escape).
        "name_to_handle_at", "open_by_handle_at",
        // New namespaces.
        "unshare", "setns",
        // Host-global state: swap, accounting, quotas, clock, kernel log, names.
        "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "lookup_dcookie", "settimeofday",
        "clock_settime", "clock_adjtime", "adjtimex", "syslog", "sethostname", "setdomainname",
        "vhangup", "fanotify_init",
        // Direct hardware port access and per-process descriptor tables.
        "iopl", "ioperm", "modify_ldt",
    ]

    /// Fail with ENOSYS, as if the kernel were older: glibc then falls back to
    /// `clone`, whose flags the filter can inspect (clone3 passes them in
    /// memory, out of seccomp's reach).
    public static let enosys: Set<String> = ["clone3"]

    /// Allowed only through a condition the loader checks. `personality`
    /// can switch execution domains (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE);
    /// only querying (0xffffffff) and setting the default PER_LINUX (0) are safe.
    public static let conditionOnly: [String: Set<UInt64>] = ["personality": [0, 0xFFFF_FFFF]]

    /// The address families `socket` and `socketpair` can ever create,
    /// whatever a profile's conditions say: unix, inet, inet6 and netlink
    /// (socketpair: unix only). The rest are refused with EAFNOSUPPORT;
    /// AF_VSOCK in particular is not partitioned by network namespaces.
    public static let socketFamilies: [String: [UInt64]] = ["socket": [1, 2, 10, 16], "socketpair": [1]]

    /// ioctl requests that push input into a terminal (TIOCSTI, TIOCLINUX):
    /// always refused (and recorded), whatever a profile allows of ioctl.
    public static let terminalInjectionIoctls: [UInt64] = [0x5412, 0x541C]

    /// The namespace-creating clone flags: CLONE_NEWTIME, NEWNS, NEWCGROUP,
    /// NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. A resolved profile never
    /// allows `clone` outright: the loader turns it into
    /// `clone(arg0 &==0 cloneNamespaceFlags)`.
    public static let cloneNamespaceFlags: UInt64 = 0x7E02_0080

    /// True when no profile may mention `name` under `allow:` or `conditions:`.
    public static func isForbidden(_ name: String) -> Bool {
        alwaysDenied.contains(name) || enosys.contains(name)
    }
}
