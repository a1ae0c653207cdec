// Raw system calls that return -errno and never touch errno (which lives in
// the parent thread's TLS when the child shares its memory).
#pragma once

#include <sys/syscall.h>

static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
#else
#error "CJail supports x86_64 and aarch64"
#endif
}

#define RAW0(n) raw_syscall6((n), 0, 0, 0, 0, 0, 0)
#define RAW1(n, a) raw_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define RAW2(n, a, b) raw_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(n, a, b, c) raw_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(n, a, b, c, d) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW5(n, a, b, c, d, e) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

// Syscall numbers newer than Debian 12's headers.
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#ifndef __NR_open_tree
#define __NR_open_tree 428
#define __NR_move_mount 429
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#define __NR_fsconfig 431
#define __NR_fsmount 432
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#define CJ_OPEN_TREE_CLONE 1
#define CJ_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define CJ_MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define CJ_RESOLVE_NO_MAGICLINKS 0x02
#define CJ_RESOLVE_NO_SYMLINKS 0x04
#define CJ_RESOLVE_BENEATH 0x08
#define CJ_FSOPEN_CLOEXEC 0x00000001
#define CJ_FSCONFIG_SET_STRING 1
#define CJ_FSCONFIG_CMD_CREATE 6
#define CJ_FSMOUNT_CLOEXEC 0x00000001
#define CJ_MOUNT_ATTR_RDONLY 0x00000001
#define CJ_MOUNT_ATTR_NOSUID 0x00000002
#define CJ_MOUNT_ATTR_NODEV 0x00000004
#define CJ_MOUNT_ATTR_NOEXEC 0x00000008
#define CJ_STATX_ATTR_MOUNT_ROOT 0x00002000

// Landlock constants up to ABI 7 (Debian's headers know ABI 2).
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

// Seccomp user-notification additions from Linux 6.6.
#define CJ_SECCOMP_IOC_MAGIC '!'
#define CJ_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
