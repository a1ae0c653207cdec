// Naming a foreign-architecture syscall (see csup_syscall_name.h).
#define _GNU_SOURCE
#include "csup_syscall_name.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define AUDIT_ARCH_X32_VALUE 0x4000003Eu
#define AUDIT_ARCH_I386_VALUE 0x40000003u
#define X32_SYSCALL_BIT 0x40000000
#if defined(__x86_64__)
#define NATIVE_ARCH 0xC000003Eu
#elif defined(__aarch64__)
#define NATIVE_ARCH 0xC00000B7u
#else
#define NATIVE_ARCH 0u
#endif

/// libseccomp's resolver, looked up at the first use: the C front end does
/// not link the library (it would cost every launch its loading time) and
/// needs it only for this rare report; the Swift side has it loaded already.
typedef char *(*resolver)(uint32_t arch, int nr);

static resolver find_resolver(void)
{
    void *library = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
    return library ? (resolver)dlsym(library, "seccomp_syscall_resolve_num_arch") : NULL;
}

void csup_foreign_syscall_name(int32_t nr, uint32_t arch, char *out, size_t size)
{
    char arch_name[24];
    if (arch == AUDIT_ARCH_I386_VALUE) snprintf(arch_name, sizeof arch_name, "x86");
    else snprintf(arch_name, sizeof arch_name, "arch_%x", arch);
    int32_t bare = nr & ~X32_SYSCALL_BIT;
    // A native-arch number with the x32 bit is an x32 syscall.
    uint32_t resolved_arch = arch == NATIVE_ARCH && nr != bare ? AUDIT_ARCH_X32_VALUE : arch;
    resolver resolve = find_resolver();
    char *name = resolve ? resolve(resolved_arch, bare) : NULL;
    if (name) snprintf(out, size, "%s:%s", resolved_arch == AUDIT_ARCH_X32_VALUE ? "x32" : arch_name, name);
    else snprintf(out, size, "%s:syscall_%d", arch_name, nr);
    free(name);
}
