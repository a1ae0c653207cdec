// One launch from an image: the run's own pieces (Landlock ruleset,
// cgroup, command), CJail's two stages, then CSupervisor's loop.
#define _GNU_SOURCE
#include "front.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/// What the loop observed beyond csup_run: the recorder's part that a
/// terminal report needs (the front end never prints syscall lists: those
/// are in `--json`, which the CLI serves).
struct observed {
    int killed_by_foreign;
    int32_t foreign_nr;
    uint32_t foreign_arch;
    int cpu_budget_exceeded;
    uint64_t cpu_budget_used_ns;
};

/// Answers one notification from the image's verdict table, as Sandbox's
/// SyscallRecorder does (same table, same C rule).
static void answer(struct csup_run *run, const struct claunch_image *image, struct observed *seen)
{
    struct cjail_notification n;
    int rc = cjail_notify_receive(run->listener_fd, &n);
    if (rc == -EINTR || rc == -EAGAIN || rc == -ENOENT) return;  // ENOENT: the caller died meanwhile
    if (rc != 0) {
        csup_close_listener(run);
        return;
    }
    int32_t error = 0;
    switch (csup_verdict_answer(image->verdicts, n.nr, n.arch, n.args[1], &error)) {
    case CSUP_ANSWER_CONTINUE_RECORDED:
    case CSUP_ANSWER_CONTINUE_UNRECORDED:
        (void)cjail_notify_respond(run->listener_fd, n.id, 0, 1);
        break;
    case CSUP_ANSWER_KILL_FOREIGN:
        // Kill first: the caller must not run another instruction.
        csup_kill(run);
        // The last one names the kill, as in the engine's recorder.
        seen->killed_by_foreign = 1;
        seen->foreign_nr = n.nr;
        seen->foreign_arch = n.arch;
        (void)cjail_notify_respond(run->listener_fd, n.id, ENOSYS, 0);
        break;
    default:
        (void)cjail_notify_respond(run->listener_fd, n.id, error ? error : ENOSYS, 0);
        break;
    }
}

static void supervise(struct csup_run *run, const struct claunch_image *image, struct front_cgroup *cgroup,
                      struct front_descendants *tree, struct observed *seen)
{
    for (;;) {
        switch (csup_step(run)) {
        case CSUP_NOTIFICATION:
            answer(run, image, seen);
            break;
        case CSUP_CPU_CHECK: {
            uint64_t used = front_cgroup_cpu_ns(cgroup, image);
            if (used > image->cpu_budget_ns) {
                seen->cpu_budget_exceeded = 1;
                seen->cpu_budget_used_ns = used;
                csup_kill(run);
            }
            break;
        }
        case CSUP_REAPED:
            front_descendants_finish(tree);
            break;
        case CSUP_WATCH:
            front_descendants_drain(tree);
            break;
        default:
            return;
        }
    }
}

/// A child that will not get its command: killed, reaped, its descriptors closed.
static void discard(struct cjail_spawned *spawned)
{
    if (spawned->pidfd < 0) return;
    (void)cjail_pidfd_send_signal(spawned->pidfd, SIGKILL);
    int kind, value;
    struct rusage usage;
    (void)cjail_wait_pidfd(spawned->pidfd, &kind, &value, &usage);
    int fds[] = { spawned->pidfd, spawned->stdin_fd, spawned->stdout_fd, spawned->stderr_fd, spawned->status_fd,
                  spawned->sync_fd, spawned->mount_ns_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0) close(fds[i]);
    }
}

/// Unmounts the dead sandbox's root (the mount namespace goes with its last
/// fd) and removes its cgroup, in that order: the root's tmpfs pages are
/// charged to the cgroup until then.
static void tear_down(int mount_ns_fd, struct front_cgroup *cgroup)
{
    if (mount_ns_fd >= 0) close(mount_ns_fd);
    front_cgroup_remove(cgroup);
}

/// The same, once the caller has its result: in a process of its own, as
/// the engine's NamespaceRelease does on a thread (unmounting a root costs
/// RCU grace periods, hundreds of µs). It holds none of the caller's
/// streams, so a reader waiting for their end is not kept waiting. It also
/// clears run cgroups that killed launches left (RunCgroup.removeAbandoned's
/// sweep: a host where the front end serves every launch never starts the
/// engine that would).
static void tear_down_later(int mount_ns_fd, struct front_cgroup *cgroup, const struct claunch_image *image)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        (void)setsid();
        // Nothing of the caller's: only the namespace is kept (as fd 3).
        for (int fd = 0; fd <= 2; fd++) close(fd);
        if (mount_ns_fd >= 0 && mount_ns_fd != 3) {
            mount_ns_fd = dup2(mount_ns_fd, 3) == 3 ? 3 : -1;
        }
        (void)syscall(SYS_close_range, mount_ns_fd == 3 ? 4u : 3u, ~0u, 0);
        tear_down(mount_ns_fd, cgroup);
        front_cgroup_sweep(image);
        _exit(0);
    }
    if (pid < 0) tear_down(mount_ns_fd, cgroup);  // no process to spare: here, then
    else if (mount_ns_fd >= 0) close(mount_ns_fd);
}

static double seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

static void judge(const struct csup_run *run, const struct claunch_image *image, const struct csup_cgroup_counts *counts,
                  const struct front_descendants *tree, const struct observed *seen, struct csup_outcome *outcome)
{
    struct csup_outcome_input in;
    memset(&in, 0, sizeof in);
    in.exited = run->exit_kind == 1;
    in.exit_value = run->exit_value;
    in.user_cpu_seconds = seconds(run->usage.ru_utime);
    in.system_cpu_seconds = seconds(run->usage.ru_stime);
    in.timed_out = run->timed_out;
    in.cancelled = run->cancelled;
    in.killed_by_foreign_syscall = seen->killed_by_foreign;
    in.cpu_budget_exceeded = seen->cpu_budget_exceeded;
    in.cpu_budget_used_seconds = (double)seen->cpu_budget_used_ns / 1e9;
    in.cgroup = *counts;
    in.stdout_truncated = run->out.truncated;
    in.stderr_truncated = run->err.truncated;
    in.descendants_watched = tree->watched;
    in.descendant_sigxfsz = tree->killed_by[SIGXFSZ];
    in.descendant_sigxcpu = tree->killed_by[SIGXCPU];
    in.descendant_events_lost = tree->lost;
    struct csup_limits_in_force limits = {
        .wall_seconds = image->limits.wall_seconds, .cpu_seconds = image->limits.cpu_seconds,
        .memory_bytes = image->limits.memory_bytes, .processes = image->limits.processes,
        .output_bytes = image->limits.output_bytes, .file_size_bytes = image->limits.file_size_bytes,
    };
    csup_outcome_judge(&in, &limits, outcome);
}

void front_launch(const struct claunch_image *image, char **argv, int dash)
{
    char **command = argv + dash + 1;
    static char storage[16384];
    static const char *candidates[256];
    int candidate_count = command[0][0]
        ? claunch_exec_candidates(command[0], image->exec_path, storage, sizeof storage, candidates, 256) : 0;
    if (candidate_count <= 0) {
        front_trace("no place to look for the command: handed over");  // the CLI explains it
        return;
    }
    if (csup_verdict_table_check(image->verdicts, image->verdicts_length) != 0) {
        front_trace("the image's verdict table is malformed: handed over");
        return;
    }

    struct cjail_root_plan root = image->root;
    struct cjail_plan plan = image->plan;
    plan.argv = command;
    plan.exec_candidates = candidates;
    plan.exec_candidate_count = candidate_count;

    int ruleset = claunch_landlock_ruleset(&image->landlock_attr);
    if (ruleset < 0) {
        front_trace("no Landlock ruleset (%s): handed over", strerror(-ruleset));
        return;
    }
    root.landlock_ruleset_fd = ruleset;
    struct front_cgroup cgroup = {0};
    int made = image->cgroup_version ? front_cgroup_create(&cgroup, image) : 0;
    if (made != 0) {
        front_trace("the run's cgroup could not be made (%s): handed over", strerror(-made));
        close(ruleset);
        return;
    }
    root.cgroup_self_paths = cgroup.self_joins;
    root.cgroup_self_count = cgroup.self_join_count;
    root.cgroup_procs_paths = cgroup.parent_joins;
    root.cgroup_procs_count = cgroup.parent_join_count;

    // Listening before the go: the command cannot fork unseen.
    struct front_descendants tree;
    front_descendants_open(&tree);
    (void)cjail_notify_init();
    signal(SIGPIPE, SIG_IGN);
    struct cjail_spawned spawned = { .pidfd = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .status_fd = -1,
                                     .sync_fd = -1, .mount_ns_fd = -1 };
    int step = 0;
    int rc = cjail_prepare(&root, 1, &spawned, &step);
    close(ruleset);
    if (rc == 0) {
        // `airlock exec` gives the command an empty standard input.
        if (spawned.stdin_fd >= 0) close(spawned.stdin_fd);
        spawned.stdin_fd = -1;
        front_descendants_follow(&tree, spawned.pid);
        rc = cjail_start(&spawned, &plan, &step);
    }
    if (rc != 0) {
        // Nothing ran: a child that was made is killed and reaped, and the
        // CLI starts over (and explains the failure if it happens again).
        front_trace("setup step %d failed (%s): handed over", step, strerror(-rc));
        discard(&spawned);
        front_descendants_close(&tree);
        front_cgroup_remove(&cgroup);
        return;
    }
    struct csup_run run;
    struct observed seen = {0};
    uint64_t wall_ns = (uint64_t)(image->limits.wall_seconds * 1e9);
    int begun = csup_begin(&run, &spawned, -1, -1, NULL, 0, wall_ns, image->cpu_budget_ns ? image->cpu_check_interval_ns : 0,
                           image->limits.output_bytes);
    run.watch_fd = tree.fd;
    // No memory for the loop's buffer: the child must not run unwatched.
    if (begun != 0) csup_kill(&run);
    supervise(&run, image, &cgroup, &tree, &seen);
    if (spawned.sync_fd >= 0) close(spawned.sync_fd);

    struct csup_cgroup_counts counts;
    front_cgroup_read(&cgroup, image, &counts);
    close(spawned.pidfd);
    front_descendants_close(&tree);

    // A setup step or the exec failed: the command never ran. The CLI
    // starts over and reports the failure with its full explanation.
    if (run.has_setup_failure || run.exec_error) {
        front_trace("the command did not start (%s): handed over",
                    run.exec_error ? strerror(run.exec_error) : strerror(run.setup_failure.error));
        tear_down(spawned.mount_ns_fd, &cgroup);
        csup_release(&run);
        return;
    }
    struct csup_outcome outcome;
    judge(&run, image, &counts, &tree, &seen, &outcome);
    char foreign[96];
    if (seen.killed_by_foreign) csup_foreign_syscall_name(seen.foreign_nr, seen.foreign_arch, foreign, sizeof foreign);
    int status = front_report(&run, &outcome, seen.killed_by_foreign ? foreign : NULL);
    tear_down_later(spawned.mount_ns_fd, &cgroup, image);
    exit(status);
}
