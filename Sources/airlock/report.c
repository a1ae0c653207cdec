// What `airlock exec` prints for a finished run without --json: the
// command's output, then a line per limit hit and for a syscall kill
// (the same lines as the CLI's ExecRun), and the exit status.
#define _GNU_SOURCE
#include "front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// ExecCommand's code for a run a limit killed.
enum { EXIT_LIMIT_KILLED = 124 };

static const char *const kind_names[] = {
    [CSUP_LIMIT_WALL_CLOCK] = "wall_clock", [CSUP_LIMIT_CPU_TIME] = "cpu_time",
    [CSUP_LIMIT_MEMORY] = "memory", [CSUP_LIMIT_PROCESSES] = "processes",
    [CSUP_LIMIT_OUTPUT_BYTES] = "output_bytes", [CSUP_LIMIT_FILE_SIZE] = "file_size",
    [CSUP_LIMIT_OPEN_FILES] = "open_files",
};

static void write_all(int fd, const unsigned char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the reader is gone: nothing more to do for it
        bytes += n;
        length -= (size_t)n;
    }
}

int front_report(const struct csup_run *run, const struct csup_outcome *outcome, const char *foreign_syscall)
{
    write_all(STDOUT_FILENO, run->out.bytes, run->out.length);
    write_all(STDERR_FILENO, run->err.bytes, run->err.length);
    for (int i = 0; i < outcome->hit_count; i++) {
        const struct csup_limit_hit *hit = &outcome->hits[i];
        const char *kind = hit->kind >= 0 && hit->kind <= CSUP_LIMIT_OPEN_FILES ? kind_names[hit->kind] : "unknown";
        dprintf(STDERR_FILENO, "airlock: limit hit: %s (limit %llu): %s\n", kind, (unsigned long long)hit->limit, hit->evidence);
    }
    if (foreign_syscall) dprintf(STDERR_FILENO, "airlock: killed: forbidden syscall %s\n", foreign_syscall);
    if (outcome->termination == CSUP_TERM_LIMIT_KILLED) return EXIT_LIMIT_KILLED;
    return csup_shell_status(run->exit_kind == 1, run->exit_value);
}
