// The name of a syscall of another architecture, for the report of a
// sandbox killed by one (`int 0x80`, the x32 bit). Shared by Sandbox's
// SyscallTable and the C front end, so both name it alike.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes e.g. "x86:socketcall" or "x32:read" (or "x86:syscall_N" when
/// libseccomp does not know it) into `out`.
void csup_foreign_syscall_name(int32_t nr, uint32_t arch, char *out, size_t size);

#ifdef __cplusplus
}
#endif
