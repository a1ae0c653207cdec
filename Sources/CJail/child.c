// The confined child: from clone() to execve(), in the order DESIGN.md
// fixes, split in two stages: what doesn't depend on the command (a warm
// child stops after it and waits), then the command's own setup and exec.
// Shares the parent's memory (CLONE_VM), so: raw syscalls only, no
// libc calls that touch errno, locks, the heap or TLS; all data comes from
// the plan. Step 2, the new root, is in child_root.c. Every step is
// checked; a failure is reported on the status pipe as (step, errno, index)
// and the child exits without running anything.
#define _GNU_SOURCE
#include "child_support.h"

#include <errno.h>  // constants only: errno itself is never read or written here
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

// --- fds and signals -----------------------------------------------------------

/// A failure before the status pipe sits at FD_STATUS, reported on a copy
/// of it that is still open: the parent reads a setup failure, not a
/// command that exited 126.
__attribute__((noreturn)) static void fail_arranging(int status_fd, long ret)
{
    struct cjail_status st = { CJAIL_STEP_FDS, (int)-ret, 0, 0 };
    if (status_fd >= 0) RAW3(__NR_write, status_fd, &st, sizeof st);
    for (;;) RAW1(__NR_exit_group, 126);
}

/// Moves the child's fds to 0..5 and closes every other inherited fd.
static void arrange_fds(const struct cjail_child_args *a)
{
    int wanted[6] = { a->stdin_fd, a->stdout_fd, a->stderr_fd, a->status_fd, a->sync_fd, a->landlock_fd };
    int high[6];
    // First lift every fd above the target range so dup3 can't clobber one
    // (nothing is moved yet: the status fd is where the parent left it).
    for (int i = 0; i < 6; i++) {
        if (wanted[i] < 0) { high[i] = -1; continue; }
        long r = RAW3(__NR_fcntl, wanted[i], F_DUPFD_CLOEXEC, 64);
        if (r < 0) fail_arranging(a->status_fd, r);
        high[i] = (int)r;
    }
    for (int i = 0; i < 6; i++) {
        if (high[i] < 0) continue;
        // 0-2 survive execve; the rest are close-on-exec.
        long r = RAW3(__NR_dup3, high[i], i, i <= 2 ? 0 : O_CLOEXEC);
        if (r < 0) fail_arranging(high[3], r);  // the lifted copy stays open
    }
    // Every other fd, the lifted copies included: from the first slot no
    // wanted fd fills (no ruleset leaves slot 5 to close too). A host whose
    // own seccomp policy refuses close_range fails the launch here rather
    // than hand the command the parent's fds. The status fd is in place.
    int first_unused = high[5] < 0 ? FD_LANDLOCK : FIRST_UNUSED_FD;
    CHECK(CJAIL_STEP_FDS, RAW3(__NR_close_range, first_unused, ~0U, 0), 1);
}

/// Enters the working directory through no symlink: a link planted in a
/// writable bind must not move the command's `.` elsewhere in its view
/// (onto its credential's folder, say).
static long enter_workdir(const char *path)
{
    struct open_how_v0 how = { O_PATH | O_DIRECTORY | O_CLOEXEC, 0, CJ_RESOLVE_NO_SYMLINKS | CJ_RESOLVE_NO_MAGICLINKS };
    long fd = RAW4(__NR_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd < 0) return fd;
    long r = RAW1(__NR_fchdir, fd);
    RAW1(__NR_close, fd);
    return r;
}

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

/// Signals start blocked (the parent blocked them around clone) and with
/// the parent's handlers, which must never run here. Reset, then unblock.
static void reset_signals(void)
{
    struct kernel_sigaction dfl = { SIG_DFL, 0, 0, 0 };
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        RAW4(__NR_rt_sigaction, sig, &dfl, 0, 8);
    }
    unsigned long empty = 0;
    CHECK(CJAIL_STEP_SIGNALS, RAW4(__NR_rt_sigprocmask, SIG_SETMASK, &empty, 0, 8), 0);
}

static void bring_up_loopback(void)
{
    long fd = RAW3(__NR_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(CJAIL_STEP_LOOPBACK, fd, 0);
    struct ifreq ifr;
    for (unsigned i = 0; i < sizeof ifr; i++) ((char *)&ifr)[i] = 0;
    ifr.ifr_name[0] = 'l';
    ifr.ifr_name[1] = 'o';
    CHECK(CJAIL_STEP_LOOPBACK, RAW3(__NR_ioctl, fd, SIOCGIFFLAGS, &ifr), 1);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    CHECK(CJAIL_STEP_LOOPBACK, RAW3(__NR_ioctl, fd, SIOCSIFFLAGS, &ifr), 2);
    RAW1(__NR_close, fd);
}

// --- privileges ----------------------------------------------------------------

/// Step 5, first half (in stage 1, so a warm child has it done): the sets
/// that only govern what an execve could grant — bounding and ambient
/// emptied, securebits locked so nothing regains them. The effective set the
/// rest of the setup needs is untouched until the second half.
static void narrow_privileges(const struct cjail_root_plan *root)
{
    // NOROOT, NO_SETUID_FIXUP, KEEP_CAPS off, NO_CAP_AMBIENT_RAISE, all locked.
    CHECK(CJAIL_STEP_CAPS, RAW5(__NR_prctl, PR_SET_SECUREBITS, 0xEF, 0, 0, 0), 0);
    CHECK(CJAIL_STEP_CAPS, RAW5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 1);
    for (int cap = 0; cap <= root->cap_last_cap; cap++) {
        CHECK(CJAIL_STEP_CAPS, RAW5(__NR_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0), 2);
    }
}

/// Step 5, second half: the effective, permitted and inheritable sets
/// emptied, then no_new_privs.
static void drop_privileges(void)
{
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    CHECK(CJAIL_STEP_CAPS, RAW2(__NR_capset, &header, data), 3);
    CHECK(CJAIL_STEP_NO_NEW_PRIVS, RAW5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
}

struct landlock_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/// Step 6, first half (stage 1): the path rules, which name the new root's
/// own mounts. Adding a rule restricts nothing yet. A rule's path is looked
/// up through no symlink, and must lead to the root of a mount: a link
/// planted in a writable bind, or a folder swapped there by a concurrent
/// sandbox, must not move a mount point's rule onto another folder.
static void add_landlock_rules(const struct cjail_root_plan *root)
{
    struct open_how_v0 how = { O_PATH | O_CLOEXEC, 0, CJ_RESOLVE_NO_SYMLINKS | CJ_RESOLVE_NO_MAGICLINKS };
    for (int i = 0; i < root->landlock_rule_count; i++) {
        long fd = RAW4(__NR_openat2, AT_FDCWD, root->landlock_rules[i].path, &how, sizeof how);
        CHECK(CJAIL_STEP_LANDLOCK, fd, i);
        struct statx stx;
        long r = RAW5(__NR_statx, fd, "", AT_EMPTY_PATH, 0, &stx);
        if (r == 0 && (stx.stx_attributes_mask & CJ_STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & CJ_STATX_ATTR_MOUNT_ROOT)) r = -EXDEV;
        CHECK(CJAIL_STEP_LANDLOCK, r, i);
        struct landlock_path_beneath rule = { root->landlock_rules[i].allowed_access, (int32_t)fd };
        CHECK(CJAIL_STEP_LANDLOCK, RAW4(__NR_landlock_add_rule, FD_LANDLOCK, LL_RULE_PATH_BENEATH, &rule, 0), i);
        RAW1(__NR_close, fd);
    }
}

/// Step 6, second half (stage 2): the ruleset takes effect.
static void restrict_with_landlock(void)
{
    CHECK(CJAIL_STEP_LANDLOCK, RAW2(__NR_landlock_restrict_self, FD_LANDLOCK, 0), -1);
    RAW1(__NR_close, FD_LANDLOCK);
}

// --- entry ---------------------------------------------------------------------

/// Moves this (single-threaded) child into its v1 cgroups by writing "0"
/// into each `tasks` file, while it still has the host's mounts and its
/// creator's credentials.
static void join_cgroups(const struct cjail_root_plan *root)
{
    for (int i = 0; i < root->cgroup_self_count; i++) {
        long fd = RAW4(__NR_openat, AT_FDCWD, root->cgroup_self_paths[i], O_WRONLY | O_CLOEXEC, 0);
        CHECK(CJAIL_STEP_RLIMIT, fd, i);
        long w = RAW3(__NR_write, fd, "0", 1);
        RAW1(__NR_close, fd);
        CHECK(CJAIL_STEP_RLIMIT, w, i);
    }
}

/// Blocks until the parent's next byte on the sync pipe; anything but
/// `expected` (EOF: the parent gave up on us) ends the child.
static void wait_for(char expected)
{
    char byte = 0;
    long r = RAW3(__NR_read, FD_SYNC, &byte, 1);
    if (r != 1 || byte != expected) fail(CJAIL_STEP_SYNC, r < 0 ? r : -EPIPE, expected);
}

/// From the root made read-only to seccomp in force: steps 3 to 7 of the
/// sequence that stage 1 left. `p` brings the command's files (none for a
/// sealed child), the limits and the filter. `workdir` is the command's
/// working directory, entered in step 4 as the map orders it; a sealed
/// child passes NULL and enters it under its filter once its command is
/// known. With a listener, its fd number goes to the parent, which takes it
/// with pidfd_getfd before the first notified call (execve, always) is let
/// through.
/// A sealed child applied its limits, filter and flags in stage 1 (from
/// root->seal); the command's plan must say the same and bring no files
/// (its root is read-only already). The parent keeps them equal (the warm
/// pool's key holds the limits); a plan that differed would silently not
/// get what it asks, so the launch fails instead. Compared byte by byte,
/// under the child's own filter: no syscall is made.
static int matches_seal(const struct cjail_plan *p, const struct cjail_plan *seal)
{
    if (p->late_mount_count != 0 || p->unshare_cgroup_ns != seal->unshare_cgroup_ns || p->seccomp_flags != seal->seccomp_flags
        || p->filter_len != seal->filter_len || p->rlimit_count != seal->rlimit_count) return 0;
    const unsigned char *a = (const unsigned char *)p->filter, *b = (const unsigned char *)seal->filter;
    for (size_t i = 0; i < (size_t)p->filter_len * sizeof(struct sock_filter); i++) {
        if (a[i] != b[i]) return 0;
    }
    for (int i = 0; i < p->rlimit_count; i++) {
        if (p->rlimits[i].resource != seal->rlimits[i].resource || p->rlimits[i].soft != seal->rlimits[i].soft
            || p->rlimits[i].hard != seal->rlimits[i].hard) return 0;
    }
    return 1;
}

static void confine_for_command(const struct cjail_root_plan *root, const struct cjail_plan *p, const char *workdir)
{
    child_finish_root(p);

    // Step 3, rest: a cgroup namespace rooted at the run's cgroup, rlimits.
    if (p->unshare_cgroup_ns) CHECK(CJAIL_STEP_IDENTITY, RAW1(__NR_unshare, CLONE_NEWCGROUP), 4);
    for (int i = 0; i < p->rlimit_count; i++) {
        struct rlimit64 { unsigned long long cur, max; } rl = { p->rlimits[i].soft, p->rlimits[i].hard };
        CHECK(CJAIL_STEP_RLIMIT, RAW4(__NR_prlimit64, 0, p->rlimits[i].resource, &rl, 0), i);
    }

    // Step 4, rest: the working directory (fds and environment are the
    // plan's: arranged at clone, given to execve).
    if (workdir) CHECK(CJAIL_STEP_WORKDIR, enter_workdir(workdir), 0);

    // Steps 5 and 6.
    drop_privileges();
    if (root->landlock_ruleset_fd >= 0) restrict_with_landlock();

    // Step 7: seccomp last.
    if (p->filter_len == 0) fail(CJAIL_STEP_SECCOMP, -EINVAL, 0);
    struct sock_fprog prog = { p->filter_len, (struct sock_filter *)p->filter };
    long r = RAW3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog);
    CHECK(CJAIL_STEP_SECCOMP, r, 0);
    if (p->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) report(CJAIL_STEP_LISTENER, 0, (int)r);
}

int cjail_child_main(void *arg)
{
    struct cjail_child_args *a = arg;
    const struct cjail_root_plan *root = a->root;

    arrange_fds(a);
    reset_signals();

    // --- Stage 1: identity, namespaces, the new root. ---

    // Step 1: wait until the parent has written our uid/gid maps; join the
    // run's cgroup (v1, while we still have our creator's credentials);
    // become the unprivileged sandbox identity.
    wait_for('p');
    join_cgroups(root);
    RAW1(__NR_umask, 022);
    CHECK(CJAIL_STEP_IDENTITY, RAW3(__NR_setresgid, root->gid, root->gid, root->gid), 0);
    if (root->drop_supplementary_groups) CHECK(CJAIL_STEP_IDENTITY, RAW2(__NR_setgroups, 0, 0), 1);
    CHECK(CJAIL_STEP_IDENTITY, RAW3(__NR_setresuid, root->uid, root->uid, root->uid), 2);
    if (root->make_nondumpable) CHECK(CJAIL_STEP_IDENTITY, RAW5(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0), 5);
    // Credentials changed, so set the death signal now (it is cleared by setuid).
    CHECK(CJAIL_STEP_IDENTITY, RAW5(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), 3);

    // Step 2: the new root.
    child_build_root(root);

    // Step 3, the parts that don't depend on the command (the other
    // namespaces came with clone): hostname, loopback.
    if (root->hostname) CHECK(CJAIL_STEP_HOSTNAME, RAW2(__NR_sethostname, root->hostname, c_strlen(root->hostname)), 0);
    if (root->bring_up_loopback) bring_up_loopback();
    // Step 4, first part: a session of our own, so no controlling terminal
    // (TIOCSTI). Here rather than in stage 2: setsid also makes a scheduler
    // autogroup, which costs more than the rest of stage 2 together.
    CHECK(CJAIL_STEP_SESSION, RAW0(__NR_setsid), 0);
    // Steps 5 and 6, the halves that restrict nothing the setup still needs.
    narrow_privileges(root);
    if (root->landlock_ruleset_fd >= 0) add_landlock_rules(root);

    // A sealed child (a warm child whose command needs no files of its
    // own) also does the rest of the sequence now, all of which is the
    // same for every command under this profile and these limits.
    if (root->seal) confine_for_command(root, root->seal, 0);

    report(CJAIL_STEP_READY, 0, 0);

    // --- Stage 2: the command (the parent has set our cgroup's limits). ---
    wait_for('g');
    RAW1(__NR_close, FD_SYNC);
    const struct cjail_plan *p = __atomic_load_n(&a->plan, __ATOMIC_ACQUIRE);
    if (!p) fail(CJAIL_STEP_SYNC, -EINVAL, 'g');
    // A sealed child enters its working directory under its filter, which
    // the parent checked allows openat2 and fchdir (SealPlan); any other
    // goes through the sequence.
    if (root->seal) {
        if (!matches_seal(p, root->seal)) fail(CJAIL_STEP_SYNC, -EINVAL, 0);
        CHECK(CJAIL_STEP_WORKDIR, enter_workdir(p->workdir), 0);
    } else {
        confine_for_command(root, p, p->workdir);
    }

    long exec_error = -ENOENT;
    for (int i = 0; i < p->exec_candidate_count; i++) {
        long r = RAW3(__NR_execve, p->exec_candidates[i], p->argv, p->envp);
        if (r == -ENOENT || r == -ENOTDIR) continue;
        exec_error = r;
        if (r != -EACCES) break;
    }
    report(CJAIL_STEP_EXEC, (int)-exec_error, 0);
    for (;;) RAW1(__NR_exit_group, exec_error == -ENOENT ? 127 : 126);
}
