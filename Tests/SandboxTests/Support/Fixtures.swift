import AirlockCore
import Foundation
@testable import Sandbox

/// Profiles and helpers for the engine tests. The profiles are built in code
/// so these tests exercise the engine alone; the shipped YAML profiles have
/// their own tests.
enum Fixtures {
    /// A practical allowlist for /bin/sh, coreutils and python3.
    static let shellSyscalls: [String] = """
    read write open openat openat2 close close_range stat fstat lstat newfstatat statx poll ppoll lseek mmap mprotect munmap brk
    rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access faccessat faccessat2 pipe pipe2
    select pselect6 sched_yield mremap msync mincore madvise dup dup2 dup3 pause nanosleep clock_nanosleep getitimer alarm
    setitimer getpid sendfile socket connect sendto recvfrom sendmsg recvmsg shutdown bind listen getsockname getpeername
    socketpair setsockopt getsockopt clone fork vfork execve execveat exit exit_group wait4 waitid kill tgkill tkill uname
    fcntl flock fsync fdatasync truncate ftruncate getdents getdents64 getcwd chdir fchdir rename renameat renameat2 mkdir
    mkdirat rmdir creat link linkat unlink unlinkat symlink symlinkat readlink readlinkat chmod fchmod fchmodat umask
    gettimeofday getrlimit prlimit64 getrusage sysinfo times getuid getgid geteuid getegid setpgid getppid getpgrp setsid
    getgroups getpgid getsid rt_sigpending rt_sigtimedwait rt_sigsuspend sigaltstack statfs fstatfs getpriority
    sched_getaffinity sched_getparam sched_getscheduler arch_prctl prctl gettid futex set_tid_address set_robust_list
    get_robust_list clock_gettime clock_getres epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait eventfd eventfd2
    timerfd_create timerfd_settime timerfd_gettime utimensat futimesat utime utimes getrandom memfd_create rseq
    copy_file_range fadvise64 pidfd_open pidfd_send_signal sched_setaffinity mlock munlock capget personality
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static let systemBinds = ["/usr", "/etc/ld.so.cache", "/etc/alternatives"].map { BindMount(source: $0, optional: true) }
    static let mergedUsrLinks = [Symlink(path: "/bin", target: "usr/bin"), Symlink(path: "/sbin", target: "usr/sbin"),
                                 Symlink(path: "/lib", target: "usr/lib"), Symlink(path: "/lib64", target: "usr/lib64")]

    static func profile(name: String = "test-shell", network: NetworkPolicy = .none, limits: ResourceLimits = ResourceLimits(wallSeconds: 20),
                        record: [String] = ["execve", "openat", "connect", "unlinkat"], extraAllow: [String] = [],
                        deny: [String] = [], readOnly: [BindMount] = [], writable: [BindMount] = []) -> SandboxProfile {
        SandboxProfile(
            name: name, description: "engine test profile",
            filesystem: FilesystemPolicy(readOnly: systemBinds + readOnly, writable: writable,
                                         tmpfs: [TmpfsMount(path: "/tmp", sizeBytes: 16 << 20)],
                                         workspace: WorkspacePolicy(path: "/workspace", sizeBytes: 32 << 20),
                                         symlinks: mergedUsrLinks, proc: true, dev: true),
            network: network, identity: IdentityPolicy(),
            seccomp: SeccompPolicy(allow: shellSyscalls + extraAllow, deny: deny),
            limits: limits, environment: EnvironmentPolicy(set: ["PATH": "/usr/bin:/bin", "HOME": "/workspace", "LANG": "C.UTF-8"]),
            record: record)
    }

    static let engine = SandboxEngine()

    static func sh(_ script: String, profile: SandboxProfile = profile(), stdin: Data? = nil) throws -> RunResult {
        try engine.runBlocking(LaunchRequest(argv: ["/bin/sh", "-c", script], stdin: stdin), profile: profile)
    }

    /// True under CI, where a missing kernel feature must fail, not skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}
