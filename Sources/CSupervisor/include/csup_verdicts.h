// The rule that answers a trapped syscall: what the seccomp listener says
// for each call the filter sends it (let it run and record it, let it run
// unrecorded, fail it with an errno, or kill a foreign-architecture caller).
//
// Why C: the C `airlock exec` front end answers the listener without the
// Swift runtime, and it must answer exactly as the in-process engine does.
// The rule is security-relevant, so it is written once, here, and Swift's
// recorder asks it too. Its input is a flat table that Swift builds when it
// compiles the filter: fixed-width integers in host byte order, no pointers,
// so the same bytes work wherever they sit (in Swift's Data, or in a file
// the front end reads back). Fields are read with memcpy, so the table needs
// no particular alignment either.
#pragma once

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The first bytes of every table: names the format and its version, so a
/// front end never answers from a file that is something else.
#define CSUP_VERDICT_TABLE_MAGIC "AIRVRD01"

/// What the listener answers for one trapped syscall.
enum csup_answer {
    CSUP_ANSWER_CONTINUE_RECORDED = 1,   // let it run, record it ("allowed")
    CSUP_ANSWER_CONTINUE_UNRECORDED = 2, // an ioctl whose request is not one of a deny-requests entry's: let it run, don't record
    CSUP_ANSWER_DENY = 3,                // fail it with *error, record it
    CSUP_ANSWER_KILL_FOREIGN = 4,        // another architecture's syscall (or the x32 bit): kill the sandbox
};

/// The table's header, followed by `entry_count` entries sorted by nr
/// (unique), then `request_count` uint32 requests. `magic` holds
/// CSUP_VERDICT_TABLE_MAGIC's 8 characters, without a terminating NUL.
struct csup_verdict_table {
    char magic[8];
    uint32_t native_arch;   // AUDIT_ARCH_* of the filter; any other arch is foreign
    int32_t unknown_errno;  // the answer for a syscall no entry lists (ENOSYS)
    uint32_t entry_count;
    uint32_t request_count;
};

/// What the profile decided for one syscall number.
enum csup_verdict_kind {
    CSUP_VERDICT_CONTINUE_AND_RECORD = 1, // allowed and observed
    CSUP_VERDICT_DENY = 2,                // fails with `error`
    CSUP_VERDICT_DENY_REQUESTS = 3,       // fails with `error` for the listed requests, runs unrecorded otherwise
};

/// One syscall's verdict. `first_request` and `request_count` pick a
/// DENY_REQUESTS entry's requests out of the table's request list (both 0
/// for the other kinds); `error` is 0 for CONTINUE_AND_RECORD.
struct csup_verdict_entry {
    int32_t nr;
    int32_t kind;
    int32_t error;
    uint32_t first_request;
    uint32_t request_count;
};

/// Checks a table's bytes (sizes, sortedness, request ranges in bounds);
/// 0 or -EINVAL. Callers validate once before use. Also refuses what no
/// compiled filter produces and an answer must never carry: an unknown
/// kind, or a denial whose errno is outside 1...4095 (an error of 0 would
/// make a denied call return success without running).
int csup_verdict_table_check(const void *table, size_t length);

/// The answer for syscall `nr` of `arch` whose second argument is `arg1`
/// (an ioctl's request: its low 32 bits count, as the kernel reads it).
/// Sets *error for CSUP_ANSWER_DENY (to 0 otherwise). The table must have
/// passed csup_verdict_table_check.
int csup_verdict_answer(const void *table, int32_t nr, uint32_t arch, uint64_t arg1, int32_t *error);

#ifdef __cplusplus
}
#endif
