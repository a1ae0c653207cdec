// Syscalls that widen the kernel attack surface or cross the architecture
// boundary. Every one is made directly (syscall(2) or inline assembly), so
// libc can't quietly substitute another call or skip it.
#define _GNU_SOURCE
#include "attacks.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif

enum { I386_CREAT = 8, I386_GETPID = 20, X32_SYSCALL_BIT = 0x40000000, X86_64_GETPID = 39 };
enum { PTRACE_TRACEME_REQUEST = 0, PTRACE_ATTACH_REQUEST = 16 };

/// The 32-bit syscall gate from 64-bit code: the filter sees AUDIT_ARCH_I386.
void attack_int80(void)
{
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(I386_GETPID) : "memory", "r8", "r9", "r10", "r11");
    report_text("int80", "returned=%ld", ret);
}

/// creat(2) through the 32-bit gate: if it ever ran, the file would exist,
/// which a test can check from the host. int 0x80 takes 32-bit pointers,
/// so the path lives in a MAP_32BIT mapping.
void attack_int80_creat(const char *path)
{
    size_t length = strlen(path) + 1;
    char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED || length > 4096) {
        report("int80_creat", -1);
        return;
    }
    memcpy(low, path, length);
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(I386_CREAT), "b"((uint32_t)(uintptr_t)low), "c"(0644)
                     : "memory", "r8", "r9", "r10", "r11");
    report_text("int80_creat", "returned=%ld", ret);
}

/// x32 ABI numbering: x86_64 arch, syscall number with bit 30 set.
void attack_x32(void)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(X32_SYSCALL_BIT | X86_64_GETPID) : "rcx", "r11", "memory");
    report_text("x32", "returned=%ld", ret);
}

/// Pushes a byte into the terminal's input queue (classic sandbox escape
/// when the sandbox shares the caller's terminal).
void attack_tiocsti(void)
{
    char c = 'x';
    report("tiocsti", syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c));
}

/// The same with the upper 32 bits of the command set: the kernel only
/// looks at the low 32, so a filter comparing all 64 would miss it.
void attack_tiocsti_high(void)
{
    char c = 'x';
    unsigned long command = (1UL << 32) | (unsigned long)TIOCSTI;
    report("tiocsti_high", syscall(SYS_ioctl, 0, command, &c));
}

void attack_ptrace_traceme(void)
{
    report("ptrace_traceme", syscall(SYS_ptrace, PTRACE_TRACEME_REQUEST, 0, 0, 0));
}

void attack_ptrace_attach(const char *pid)
{
    report("ptrace_attach", syscall(SYS_ptrace, PTRACE_ATTACH_REQUEST, parse_number(pid), 0, 0));
}

void attack_io_uring_setup(void)
{
    uint64_t params[16];  // struct io_uring_params is 120 bytes
    memset(params, 0, sizeof params);
    report("io_uring_setup", syscall(SYS_io_uring_setup, 4, params));
}

/// Submits to a ring that does not exist: allowed, the kernel would say
/// EBADF; the filter must refuse the call before it looks at the fd.
void attack_io_uring_enter(void)
{
    report("io_uring_enter", syscall(SYS_io_uring_enter, -1, 1, 0, 0, NULL, 0));
}

/// IORING_REGISTER_BUFFERS on a ring that does not exist (EBADF if allowed).
void attack_io_uring_register(void)
{
    report("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
}

void attack_keyctl(void)
{
    const long get_keyring_id = 0, session_keyring = -3;
    report("keyctl", syscall(SYS_keyctl, get_keyring_id, session_keyring, 1));
}

void attack_add_key(void)
{
    const long process_keyring = -2;
    report("add_key", syscall(SYS_add_key, "user", "airlock-attack", "x", 1, process_keyring));
}

/// Looks a key up through the keyrings (ENOKEY if allowed: the key is
/// made up).
void attack_request_key(void)
{
    report("request_key", syscall(SYS_request_key, "user", "airlock-attack", NULL, 0));
}

void attack_bpf(void)
{
    // BPF_MAP_CREATE of a 1-entry array map.
    uint32_t attr[32];
    memset(attr, 0, sizeof attr);
    attr[0] = 2;  // BPF_MAP_TYPE_ARRAY
    attr[1] = 4;  // key size
    attr[2] = 4;  // value size
    attr[3] = 1;  // max entries
    report("bpf", syscall(SYS_bpf, 0, attr, sizeof attr));
}

void attack_perf_event_open(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    report("perf_event_open", syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

void attack_userfaultfd(void)
{
    report("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
}

/// Reads our own memory the way a debugger reads another process's.
void attack_process_vm_readv(void)
{
    char source[8] = "secret", target[8] = { 0 };
    struct iovec local = { target, sizeof target }, remote = { source, sizeof source };
    report("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
}

/// Writes our own memory the way a debugger writes another process's (it
/// would succeed if allowed).
void attack_process_vm_writev(void)
{
    char source[8] = "planted", target[8] = { 0 };
    struct iovec local = { source, sizeof source }, remote = { target, sizeof target };
    report("process_vm_writev", syscall(SYS_process_vm_writev, getpid(), &local, 1, &remote, 1, 0));
}

/// A syscall by number with integer arguments, "NR[,ARG...]" (decimal or
/// 0x hex, up to six), reported as "raw_NR": for numbers no named attack
/// covers (unknown ones, calls a profile leaves unlisted). Not for calls
/// that return twice (clone, fork): the copy would go on running the
/// remaining attacks.
void attack_raw(const char *spec)
{
    long numbers[7] = { 0 };
    const char *cursor = spec;
    for (int count = 0;; count++) {
        char *end = NULL;
        errno = 0;
        long value = strtol(cursor, &end, 0);
        if (count == 7 || errno != 0 || end == cursor || (*end != 0 && *end != ',')) {
            fprintf(stderr, "airlock-attack: raw wants NR[,ARG...] (at most six arguments, decimal or 0x hex): %s\n", spec);
            exit(2);
        }
        numbers[count] = value;
        if (*end == 0) break;
        cursor = end + 1;
    }
    char name[32];
    snprintf(name, sizeof name, "raw_%ld", numbers[0]);
    report(name, syscall(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6]));
}

/// Loads the seccomp program in `file` (raw sock_filter array, as Airlock
/// compiles it) into this process without a listener, then makes each
/// ioctl request in the comma-separated `requests` on stdin and reports
/// its errno. With no listener, a request the filter sends to the
/// listener fails with ENOSYS; one the filter allows itself reaches the
/// kernel (ENOTTY or another real answer). The kernel itself is the judge
/// of what the filter decides.
void attack_filter_probe(const char *spec)
{
    char path[512];
    const char *comma = strchr(spec, ',');
    if (!comma || (size_t)(comma - spec) >= sizeof path) { report_text("filter_probe", "errno=EINVAL"); return; }
    memcpy(path, spec, (size_t)(comma - spec));
    path[comma - spec] = 0;
    static unsigned char program[1 << 20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { report("filter_probe", -1); return; }
    ssize_t size = read(fd, program, sizeof program);
    close(fd);
    if (size <= 0 || size % 8 != 0) { report_text("filter_probe", "errno=EINVAL"); return; }
    struct { unsigned short len; void *filter; } fprog = { (unsigned short)(size / 8), program };
    if (report("filter_probe_nnp", syscall(SYS_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0)) < 0) return;
    if (report("filter_probe_load", syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &fprog)) < 0) return;
    const char *cursor = comma + 1;
    while (*cursor) {
        char *end;
        unsigned long request = strtoul(cursor, &end, 0);
        char name[64];
        snprintf(name, sizeof name, "ioctl_%#lx", request);
        long rc = syscall(SYS_ioctl, 0, request, 0);
        if (rc < 0) report_text(name, "errno=%s", errno_name(errno));
        else report_text(name, "ok");
        cursor = *end == ',' ? end + 1 : end;
        if (end == cursor && *end != ',') break;
    }
}
