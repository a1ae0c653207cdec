// Internal to the child (child.c, child_root.c): its fixed fd numbers and
// the freestanding helpers every step uses. The child shares the parent's
// memory until it execs: raw syscalls only, nothing that touches errno,
// locks, the heap or TLS.
#pragma once
#include "child.h"
#include "raw_syscall.h"

enum { FD_STATUS = 3, FD_SYNC = 4, FD_LANDLOCK = 5, FIRST_UNUSED_FD = 6 };
enum { PATH_MAX_LEN = 4096 };

/// openat2's `struct open_how` as of its first version (Debian's headers
/// have it, but not every libc does; the layout is the kernel's ABI).
struct open_how_v0 {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

static inline size_t c_strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/// dst = a + b, failing (returning 0) when it would not fit.
static inline int c_join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = c_strlen(a), lb = c_strlen(b);
    if (la + lb + 1 > cap) return 0;
    for (size_t i = 0; i < la; i++) dst[i] = a[i];
    for (size_t i = 0; i < lb; i++) dst[la + i] = b[i];
    dst[la + lb] = 0;
    return 1;
}

static inline void report(int step, int error, int index)
{
    struct cjail_status st = { step, error, index, 0 };
    RAW3(__NR_write, FD_STATUS, &st, sizeof st);
}

__attribute__((noreturn)) static inline void fail(int step, long ret, int index)
{
    report(step, (int)(ret < 0 ? -ret : ret), index);
    for (;;) RAW1(__NR_exit_group, 126);
}

#define CHECK(step, expr, index)                 \
    do {                                         \
        long r_ = (long)(expr);                  \
        if (r_ < 0) fail((step), r_, (index));   \
    } while (0)

/// Step 2 and the part of it stage 2 finishes (child_root.c).
void child_build_root(const struct cjail_root_plan *p);
void child_finish_root(const struct cjail_plan *p);
