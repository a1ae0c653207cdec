// The `airlock` front end: a small C program (built with cc, no Swift
// runtime) that runs `airlock exec` from a launch image when one matches,
// and hands every other command line to the Swift CLI, `airlock-cli`.
//
// Why: the Swift binary takes about 3 ms to load before its main runs,
// more than half of what bubblewrap needs for a whole launch. The front end
// starts in a fraction of that and runs the exact plan the Swift side made
// and saved (see CLaunchImage), through the same C code: CJail's child,
// CSupervisor's loop, verdict table and outcome rules.
//
// The rule that keeps this safe: the front end either runs a launch to its
// end and reports it, or hands over before the command could have run (a
// miss, a changed file, a setup failure). The Swift CLI then starts from
// scratch, with its full checks and messages.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "claunch_image.h"
#include "csupervisor.h"
#include "csup_outcome.h"
#include "csup_verdicts.h"
#include "csup_syscall_name.h"

/// AIRLOCK_TRACE=1: say on stderr what the front end did and why (a miss
/// names its reason), like the engine's own trace lines.
void front_trace(const char *format, ...) __attribute__((format(printf, 1, 2)));

/// The Swift CLI's path: `airlock-cli` next to this program. 0 or -1.
int front_cli_path(char *out, size_t size);

/// Runs the Swift CLI with the same arguments and environment. Never returns.
__attribute__((noreturn)) void front_hand_over(char **argv);

/// The launch image for `exec` options argv[1..dash] (argv[dash] is "--"),
/// read, checked and relocated into *buffer (free it), or NULL for a miss.
const struct claunch_image *front_load_image(char **argv, int dash, void **buffer);

/// The run's cgroup, made from an image's recipe.
struct front_cgroup {
    int version;
    int count;                 // folders made
    char paths[8][256];        // the run's folder in each hierarchy
    char join_paths[8][272];   // tasks (v1, the child joins) or cgroup.procs (v2)
    const char *self_joins[8];
    const char *parent_joins[8];
    int self_join_count, parent_join_count;
};

/// Makes the run's cgroup and writes its limits. 0, or -errno (nothing left behind).
int front_cgroup_create(struct front_cgroup *cgroup, const struct claunch_image *image);
/// Reads the counters a limit hit is judged by (the peak is only in
/// `--json`'s result, which the CLI serves).
void front_cgroup_read(const struct front_cgroup *cgroup, const struct claunch_image *image, struct csup_cgroup_counts *counts);
/// The CPU time the run's processes used together, in ns (0 when not counted).
uint64_t front_cgroup_cpu_ns(const struct front_cgroup *cgroup, const struct claunch_image *image);
/// Removes the run's folders (retrying briefly while the dead sandbox leaves).
void front_cgroup_remove(struct front_cgroup *cgroup);
/// Removes run cgroups whose owner process is gone (`run-PID-…`), as
/// RunCgroup.removeAbandoned does; rmdir refuses any that still holds a process.
void front_cgroup_sweep(const struct claunch_image *image);

/// The sandbox's process tree, followed through the process-events
/// connector (like Sandbox's ProcessEventHub, for one tree).
struct front_descendants {
    int fd;                    // -1: not listening (any more)
    int watched;               // the host let us listen: the counts below mean something
    int root_pid;
    uint64_t since_ns;
    int *members;
    int member_count, member_capacity;
    int root_exited;
    int lost;
    uint64_t killed_by[65];    // processes ended by each signal (the init excluded)
};

void front_descendants_open(struct front_descendants *tree);
void front_descendants_follow(struct front_descendants *tree, int root_pid);
void front_descendants_drain(struct front_descendants *tree);
/// After the init is reaped: waits (up to 100 ms) for its own exit notice,
/// which comes after every notice of its members.
void front_descendants_finish(struct front_descendants *tree);
void front_descendants_close(struct front_descendants *tree);

/// Launches argv[dash+1...] from `image`. Returns only when the command did
/// not run (the caller hands over); otherwise reports and exits.
void front_launch(const struct claunch_image *image, char **argv, int dash);

/// Prints the command's output and Airlock's warnings as `airlock exec`
/// does, and returns the exit status (ExecCommand's codes).
int front_report(const struct csup_run *run, const struct csup_outcome *outcome, const char *foreign_syscall);
