/// Named sets of syscalls that profiles allow or deny as `@name`.
///
/// Modelled on the idea of systemd's `SystemCallFilter=` sets: each group is
/// one capability a program needs, small enough to reason about, with x86_64
/// names. Groups overlap where a call belongs to two capabilities (reading
/// the clock is both `@default` and `@time`). No group contains a call from
/// `SyscallRestrictions.alwaysDenied` or `.enosys`; a test holds that line.
public struct SyscallGroup: Sendable, Hashable {
    public var name: String
    /// One sentence an admin reads in `airlock profile explain`.
    public var summary: String
    public var syscalls: [String]
}

public enum SyscallGroups {
    public static let all: [SyscallGroup] = [
        SyscallGroup(
            name: "@default",
            summary: "what every program needs to start, run threads and exit: exec, the loader's mmap/brk, futexes, its own ids, the clock",
            syscalls: [
                "execve", "execveat", "exit", "exit_group", "restart_syscall", "rt_sigreturn",
                "arch_prctl", "brk", "mmap", "munmap", "mprotect", "set_tid_address", "set_robust_list",
                "get_robust_list", "rseq", "futex", "futex_waitv", "membarrier", "sched_yield", "getrandom",
                "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
                "getresgid", "getgroups", "getpgrp", "getpgid", "getsid", "uname", "sysinfo", "getcpu",
                "getrlimit", "prlimit64", "clock_gettime", "clock_getres", "clock_nanosleep",
                "gettimeofday", "time", "nanosleep",
            ]),
        SyscallGroup(
            name: "@basic-io",
            summary: "reading, writing, seeking, duplicating and closing file descriptors it already holds (incl. ioctl for isatty)",
            syscalls: [
                "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
                "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "ioctl",
                "sendfile", "splice", "tee", "vmsplice", "copy_file_range",
            ]),
        SyscallGroup(
            name: "@file-system",
            summary: "opening, inspecting, creating, renaming and removing files and directories by path (the mount view and Landlock bound where)",
            syscalls: [
                "open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "statx",
                "statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd",
                "chdir", "fchdir", "getdents", "getdents64", "mkdir", "mkdirat", "rmdir", "unlink",
                "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
                "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                "truncate", "ftruncate", "fallocate", "fadvise64", "utime", "utimes", "utimensat",
                "futimesat", "umask", "flock", "mknod", "mknodat", "getxattr", "lgetxattr", "fgetxattr",
                "listxattr", "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr",
                "removexattr", "lremovexattr", "fremovexattr",
            ]),
        // Not in @file-system: /usr and /dev are the host's own inodes, so a
        // watch there sees what the host and other sandboxes run and open;
        // and inotify instances are counted against the host user that made
        // the sandbox's namespace (root's 128 for the daemon). Opt in.
        SyscallGroup(
            name: "@file-watch",
            summary: "watching files for changes (inotify): sees the host's own activity on shared read-only paths; opt in",
            syscalls: ["inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch"]),
        SyscallGroup(
            name: "@process",
            summary: "starting and waiting for child processes (clone is masked: no new namespaces), sessions and process groups",
            syscalls: [
                "fork", "vfork", "clone", "execve", "execveat", "wait4", "waitid", "exit", "exit_group",
                "setpgid", "getpgid", "setsid", "getsid", "prctl", "pidfd_open", "pidfd_send_signal",
                "capget", "getrusage",
            ]),
        SyscallGroup(
            name: "@signal",
            summary: "handling signals and sending them (only to processes inside the sandbox's pid namespace)",
            syscalls: [
                "rt_sigaction", "rt_sigprocmask", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait",
                "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigreturn", "sigaltstack", "signalfd",
                "signalfd4", "pause", "kill", "tkill", "tgkill",
            ]),
        SyscallGroup(
            name: "@memory",
            summary: "managing its own memory: mappings, advice, locking within RLIMIT_MEMLOCK, anonymous memory files",
            syscalls: [
                "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "mincore", "msync", "mlock",
                "mlock2", "munlock", "mlockall", "munlockall", "memfd_create", "membarrier", "pkey_alloc",
                "pkey_free", "pkey_mprotect", "get_mempolicy", "set_mempolicy", "mbind", "map_shadow_stack",
            ]),
        SyscallGroup(
            name: "@time",
            summary: "reading clocks and arming its own timers (setting the system clock is never allowed)",
            syscalls: [
                "clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday", "time", "nanosleep",
                "alarm", "getitimer", "setitimer", "times", "timer_create", "timer_settime",
                "timer_gettime", "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime",
                "timerfd_gettime",
            ]),
        SyscallGroup(
            name: "@ipc",
            summary: "talking between the sandbox's own processes: pipes, eventfds, System V and POSIX IPC (private IPC namespace)",
            syscalls: [
                "pipe", "pipe2", "eventfd", "eventfd2", "shmget", "shmat", "shmdt", "shmctl", "semget",
                "semop", "semtimedop", "semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open",
                "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
            ]),
        SyscallGroup(
            name: "@io-event",
            summary: "waiting on many file descriptors at once: poll, select, epoll",
            syscalls: [
                "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
                "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
            ]),
        SyscallGroup(
            name: "@network",
            summary: "creating and using sockets; what they can reach is decided by the network namespace (network:)",
            syscalls: [
                "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
                "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
                "sendmmsg", "recvmmsg", "shutdown",
            ]),
        SyscallGroup(
            name: "@sync",
            summary: "flushing file data to storage (databases call these on every commit)",
            syscalls: ["fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "msync"]),
        SyscallGroup(
            name: "@resources",
            summary: "reading and lowering its own limits, priorities and CPU affinity",
            syscalls: [
                "getrlimit", "setrlimit", "prlimit64", "getrusage", "getpriority", "setpriority",
                "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
                "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
                "sched_get_priority_min", "sched_rr_get_interval", "sched_getattr", "sched_setattr",
                "ioprio_get", "ioprio_set", "getcpu",
            ]),
        SyscallGroup(
            name: "@credentials",
            summary: "changing user/group ids and capabilities; inside a one-id user namespace with no capabilities these can only drop",
            syscalls: [
                "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
                "setfsuid", "setfsgid", "capget", "capset",
            ]),
    ]

    private static let byName: [String: SyscallGroup] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static var names: [String] { all.map(\.name) }

    public static func group(named name: String) -> SyscallGroup? { byName[name] }
}
