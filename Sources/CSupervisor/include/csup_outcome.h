// CSupervisor's verdict on a finished run: which limits it hit, with the
// evidence, and how it ended.
//
// Why C: the C `airlock exec` front end must report limit hits and the
// termination exactly as the in-process engine (Sandbox's RunResultBuilder)
// does. Both fill in what they observed and call csup_outcome_judge, so the
// rules are written once. The function only reads numbers: gathering them
// (rusage, the cgroup's counters, the syscall recorder's verdict, the
// process events) stays with the caller. No I/O, no allocation.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A limit hit's kind, in the order of AirlockCore's LimitHit.Kind.
enum csup_limit_kind {
    CSUP_LIMIT_WALL_CLOCK = 0,
    CSUP_LIMIT_CPU_TIME = 1,
    CSUP_LIMIT_MEMORY = 2,
    CSUP_LIMIT_PROCESSES = 3,
    CSUP_LIMIT_OUTPUT_BYTES = 4,
    CSUP_LIMIT_FILE_SIZE = 5,
    CSUP_LIMIT_OPEN_FILES = 6,   // never judged: an open refused with EMFILE is not seen (the manifest's limitsUnobserved)
};

/// How the run ended (RunResult.Termination).
enum csup_termination {
    CSUP_TERM_EXITED = 0,
    CSUP_TERM_SIGNALED = 1,
    CSUP_TERM_LIMIT_KILLED = 2,
    CSUP_TERM_CANCELLED = 3,
};

/// The limits the run was started with, as the hits report them.
struct csup_limits_in_force {
    double wall_seconds;
    uint64_t cpu_seconds, memory_bytes, processes, output_bytes, file_size_bytes;
};

/// The run's cgroup counters, read after it ended.
struct csup_cgroup_counts {
    int present;                     // 0: no cgroup usage was read (the rest is ignored)
    int counts_cpu;                  // the cgroup counts all its processes' CPU time (cpu_ns is meaningful)
    uint64_t memory_limit_hits, oom_kills, pids_limit_hits, cpu_ns;
};

/// What the supervisor observed about one run.
struct csup_outcome_input {
    int exited;                      // 1: exited normally (exit_value is the code); 0: killed by signal exit_value
    int exit_value;
    double user_cpu_seconds, system_cpu_seconds;   // from the reaped child's rusage
    int timed_out, cancelled;
    int killed_by_foreign_syscall;   // the recorder killed the sandbox for a foreign-architecture syscall
    int cpu_budget_exceeded;         // the supervisor killed the sandbox for its processes' total CPU time...
    double cpu_budget_used_seconds;  // ...after this much
    struct csup_cgroup_counts cgroup;
    int stdout_truncated, stderr_truncated;
    int descendants_watched;         // 0: the host does not show how the other processes ended (the counts are ignored)
    uint64_t descendant_sigxfsz, descendant_sigxcpu;   // other processes ended by these signals
    int descendant_events_lost;      // some process events were lost: the counts may be short
};

enum { CSUP_MAX_HITS = 8, CSUP_EVIDENCE_MAX = 256 };

struct csup_limit_hit {
    int kind;                        // enum csup_limit_kind
    uint64_t limit;                  // the limit in force, in the kind's unit
    char evidence[CSUP_EVIDENCE_MAX];   // UTF-8, NUL-terminated
};

struct csup_outcome {
    int termination;                 // enum csup_termination
    int hit_count;
    struct csup_limit_hit hits[CSUP_MAX_HITS];   // in the order they are reported; each kind at most once
};

/// Judges a finished run: fills `out` with its limit hits (the more specific
/// evidence first) and its termination.
void csup_outcome_judge(const struct csup_outcome_input *in, const struct csup_limits_in_force *limits,
                        struct csup_outcome *out);

/// What all of a run's processes may use together, in ns: the CPU limit
/// plus one second, since RLIMIT_CPU's hard limit (one second past the soft
/// one) lets a single process run that far. The supervisor checks it while
/// the run lasts (LaunchSupervisor, the front end); the outcome judges by
/// it. Saturates; launches allow at most a week.
uint64_t csup_cpu_budget_ns(uint64_t cpu_seconds);

/// The exit status a shell would report: the code, or 128 + signal.
int csup_shell_status(int exited, int exit_value);

#ifdef __cplusplus
}
#endif
