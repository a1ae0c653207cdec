// The confined child: from clone() to execve(), in the order DESIGN.md
// fixes, split in two stages: what doesn't depend on the command (a warm
// child stops after it and waits), then the command's own setup and exec.
// Shares the parent's memory (CLONE_VM), so: raw syscalls only, no
// libc calls that touch errno, locks, the heap or TLS; all data comes from
// the plan. Every step is checked; a failure is reported on the status pipe
// as (step, errno, index) and the child exits without running anything.
#define _GNU_SOURCE
#include "child.h"
#include "raw_syscall.h"

#include <errno.h>  // constants only: errno itself is never read or written here
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

enum { FD_STATUS = 3, FD_SYNC = 4, FD_LANDLOCK = 5, FIRST_UNUSED_FD = 6 };
enum { PATH_MAX_LEN = 4096 };

/// Where the plan's targets are reached while the root is assembled: the
/// working directory, which is the new root (see `build_root`).
#define ASSEMBLY_ROOT "."

// --- tiny freestanding helpers -------------------------------------------------

static size_t c_strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/// dst = a + b, failing (returning 0) when it would not fit.
static int c_join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = c_strlen(a), lb = c_strlen(b);
    if (la + lb + 1 > cap) return 0;
    for (size_t i = 0; i < la; i++) dst[i] = a[i];
    for (size_t i = 0; i < lb; i++) dst[la + i] = b[i];
    dst[la + lb] = 0;
    return 1;
}

static void report(int step, int error, int index)
{
    struct cjail_status st = { step, error, index, 0 };
    RAW3(__NR_write, FD_STATUS, &st, sizeof st);
}

__attribute__((noreturn)) static void fail(int step, long ret, int index)
{
    report(step, (int)(ret < 0 ? -ret : ret), index);
    for (;;) RAW1(__NR_exit_group, 126);
}

#define CHECK(step, expr, index)                 \
    do {                                         \
        long r_ = (long)(expr);                  \
        if (r_ < 0) fail((step), r_, (index));   \
    } while (0)

// --- fds and signals -----------------------------------------------------------

/// Moves the child's fds to 0..5 and closes every other inherited fd.
static void arrange_fds(const struct cjail_child_args *a)
{
    int wanted[6] = { a->stdin_fd, a->stdout_fd, a->stderr_fd, a->status_fd, a->sync_fd, a->landlock_fd };
    int high[6];
    // First lift every fd above the target range so dup3 can't clobber one.
    for (int i = 0; i < 6; i++) {
        if (wanted[i] < 0) { high[i] = -1; continue; }
        long r = RAW3(__NR_fcntl, wanted[i], F_DUPFD_CLOEXEC, 64);
        if (r < 0) { RAW1(__NR_exit_group, 126); }
        high[i] = (int)r;
    }
    for (int i = 0; i < 6; i++) {
        if (high[i] < 0) continue;
        // 0-2 survive execve; the rest are close-on-exec.
        long r = RAW3(__NR_dup3, high[i], i, i <= 2 ? 0 : O_CLOEXEC);
        if (r < 0) { RAW1(__NR_exit_group, 126); }
    }
    RAW3(__NR_close_range, FIRST_UNUSED_FD, ~0U, 0);
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

// --- filesystem ----------------------------------------------------------------

/// mkdir -p for a path in the root being built, "./a/b" while it is
/// assembled or "/a/b" once it is the root (components created 0755,
/// EEXIST is fine).
/// Most parents exist already (a root has a handful of top folders), so the
/// whole path is tried first and the walk goes up only as far as the first
/// folder that exists: one mkdir per mount instead of one per component.
static long make_dirs(const char *path)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path);
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    for (size_t i = 0; i <= n; i++) buf[i] = path[i];
    // Up: cut the path at its last '/' while the folder above is missing.
    size_t end = n;
    for (;;) {
        long r = RAW3(__NR_mkdirat, AT_FDCWD, buf, 0755);
        if (r == 0 || r == -EEXIST) break;
        if (r != -ENOENT) return r;
        size_t cut = end;
        while (cut > 0 && buf[cut] != '/') cut--;
        if (cut == 0) return r;
        buf[cut] = 0;
        end = cut;
    }
    // Down: put each cut back and create the folder it ends.
    while (end < n) {
        buf[end] = '/';
        while (end < n && buf[end] != 0) end++;
        long r = RAW3(__NR_mkdirat, AT_FDCWD, buf, 0755);
        if (r < 0 && r != -EEXIST) return r;
    }
    return 0;
}

static long make_parent_dirs(const char *path)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path);
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i] = path[i];
        if (path[i] == '/') last = i;
    }
    if (last == 0) return 0;
    buf[last] = 0;
    return make_dirs(buf);
}

/// Opens `path` with O_CREAT; its folders are made only when the open says
/// one is missing. Most parents exist already (the root's top folders, a
/// mount point such as /dev), so this saves a failing mkdir per entry.
static long create_file(const char *path, int flags, unsigned int mode)
{
    long fd = RAW4(__NR_openat, AT_FDCWD, path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd != -ENOENT) return fd;
    long r = make_parent_dirs(path);
    if (r < 0) return r;
    return RAW4(__NR_openat, AT_FDCWD, path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
}

/// An empty regular file to bind a non-directory onto.
static long make_file(const char *path, unsigned int mode)
{
    long fd = create_file(path, O_WRONLY, mode);
    if (fd < 0) return fd;
    RAW1(__NR_close, fd);
    return 0;
}

/// The flags a bind remount must keep: in a user namespace the source's
/// nosuid/nodev/noexec/atime flags are locked, and dropping one is EPERM.
static unsigned long locked_flags(const char *path)
{
    struct statfs sfs;
    if (RAW2(__NR_statfs, path, &sfs) < 0) return 0;
    unsigned long flags = 0;
    if (sfs.f_flags & ST_NOSUID) flags |= MS_NOSUID;
    if (sfs.f_flags & ST_NODEV) flags |= MS_NODEV;
    if (sfs.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sfs.f_flags & ST_NOATIME) flags |= MS_NOATIME;
    if (sfs.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sfs.f_flags & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

struct open_how_v0 {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

/// Binds the host path `m->source` (canonical: the parent resolved it and
/// refused symlinks a sandbox could have planted) at `target`. The source
/// is opened with RESOLVE_NO_SYMLINKS, so a symlink swapped in after the
/// parent's check fails the launch instead of redirecting the bind, and the
/// mount is cloned from that fd (open_tree + move_mount), never re-resolved.
static long bind_mount(const struct cjail_mount *m, const char *target, int host_root, int read_only, int device)
{
    if (host_root < 0 || m->source[0] != '/') return -EINVAL;
    // Relative to the host root's fd ("." for the root itself).
    const char *source = m->source[1] ? m->source + 1 : ".";
    long r = m->source_is_dir ? make_dirs(target) : make_file(target, 0444);
    if (r < 0) return r;
    struct open_how_v0 how = { O_PATH | O_CLOEXEC, 0, CJ_RESOLVE_NO_SYMLINKS };
    long fd = RAW4(__NR_openat2, host_root, source, &how, sizeof how);
    if (fd < 0) return fd;
    // Not AT_RECURSIVE: submounts of a source are never exposed (and a
    // source with locked submounts fails closed with EINVAL).
    long tree = RAW3(__NR_open_tree, fd, "", CJ_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
    RAW1(__NR_close, fd);
    if (tree < 0) return tree;
    r = RAW5(__NR_move_mount, tree, "", AT_FDCWD, target, CJ_MOVE_MOUNT_F_EMPTY_PATH);
    RAW1(__NR_close, tree);
    if (r < 0) return r;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | locked_flags(target);
    if (!device) flags |= MS_NODEV;
    if (read_only) flags |= MS_RDONLY;
    return RAW5(__NR_mount, 0, target, 0, flags, 0);
}

static long remount_read_only(const char *path)
{
    long r = RAW5(__NR_mount, path, path, 0, MS_BIND, 0);
    if (r < 0) return r;
    return RAW5(__NR_mount, 0, path, 0, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), 0);
}

static long mount_proc(const char *target)
{
    long r = make_dirs(target);
    if (r < 0) return r;
    r = RAW5(__NR_mount, "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
    if (r < 0) return r;
    // Kernel knobs and triggers stay read-only even where procfs would let
    // a namespace root write them.
    static const char *const read_only[] = { "/sys", "/sysrq-trigger", "/irq", "/bus" };
    for (unsigned i = 0; i < sizeof read_only / sizeof read_only[0]; i++) {
        char path[PATH_MAX_LEN];
        if (!c_join(path, sizeof path, target, read_only[i])) return -ENAMETOOLONG;
        r = remount_read_only(path);
        if (r < 0 && r != -ENOENT) return r;
    }
    return 0;
}

static long write_file(const struct cjail_mount *m, const char *target)
{
    long fd = create_file(target, O_WRONLY | O_EXCL, m->mode);
    if (fd < 0) return fd;
    size_t done = 0;
    while (done < m->data_len) {
        long w = RAW3(__NR_write, fd, m->data + done, m->data_len - done);
        if (w < 0) { RAW1(__NR_close, fd); return w; }
        done += (size_t)w;
    }
    return RAW1(__NR_close, fd);
}

/// Applies one mount entry at `root` + its target (ASSEMBLY_ROOT while the
/// root is assembled, "" once it is the child's own root). Bind sources are
/// looked up beneath `host_root`, an fd of the host's root (-1 once it is
/// gone: a bind then fails).
static long apply_mount(const struct cjail_mount *m, const char *root, int host_root)
{
    char target[PATH_MAX_LEN];
    if (!c_join(target, sizeof target, root, m->target)) return -ENAMETOOLONG;
    switch (m->kind) {
    case CJAIL_MOUNT_BIND_RO: return bind_mount(m, target, host_root, 1, 0);
    case CJAIL_MOUNT_BIND_RW: return bind_mount(m, target, host_root, 0, 0);
    case CJAIL_MOUNT_BIND_DEV: return bind_mount(m, target, host_root, 0, 1);
    case CJAIL_MOUNT_BIND_DEVICES: return bind_mount(m, target, host_root, 1, 1);
    case CJAIL_MOUNT_TMPFS: {
        long r = make_dirs(target);
        if (r < 0) return r;
        return RAW5(__NR_mount, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, m->data);
    }
    case CJAIL_MOUNT_PROC: return mount_proc(target);
    case CJAIL_MOUNT_SYMLINK: {
        // Folders only when the link's own call says one is missing (as
        // in create_file).
        long r = RAW3(__NR_symlinkat, m->source, AT_FDCWD, target);
        if (r != -ENOENT) return r;
        r = make_parent_dirs(target);
        if (r < 0) return r;
        return RAW3(__NR_symlinkat, m->source, AT_FDCWD, target);
    }
    case CJAIL_MOUNT_FILE: return write_file(m, target);
    case CJAIL_MOUNT_DIR: {
        long r = make_dirs(target);
        if (r < 0) return r;
        return RAW4(__NR_fchmodat, AT_FDCWD, target, m->mode, 0);
    }
    default: return -EINVAL;
    }
}

/// Step 2: private propagation, a fresh tmpfs root holding only the plan's
/// mounts, pivot_root into it, the host root detached. The root stays
/// writable until the command's own files are in (stage 2).
///
/// No scratch mount holds the two roots side by side: with the new root as
/// the working directory, pivot_root(".", ".") stacks the host root on top
/// of it. The plan's targets are then reached relative to the working
/// directory, its bind sources through an fd of the host root opened before
/// the pivot (the host's own /tmp is no longer covered by then), and the
/// host root is detached once the mounts are in.
static void build_root(const struct cjail_root_plan *p)
{
    CHECK(CJAIL_STEP_MOUNT_PRIVATE, RAW5(__NR_mount, 0, "/", 0, MS_REC | MS_PRIVATE, 0), 0);
    long host_root = RAW4(__NR_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    CHECK(CJAIL_STEP_ROOT_TMPFS, host_root, 0);
    CHECK(CJAIL_STEP_ROOT_TMPFS, RAW5(__NR_mount, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, p->base_tmpfs_options), 1);
    CHECK(CJAIL_STEP_PIVOT, RAW1(__NR_chdir, "/tmp"), 0);
    CHECK(CJAIL_STEP_PIVOT, RAW2(__NR_pivot_root, ".", "."), 0);

    for (int i = 0; i < p->mount_count; i++) {
        CHECK(CJAIL_STEP_MOUNT, apply_mount(&p->mounts[i], ASSEMBLY_ROOT, (int)host_root), i);
    }

    RAW1(__NR_close, host_root);
    CHECK(CJAIL_STEP_PIVOT, RAW2(__NR_umount2, ".", MNT_DETACH), 1);
    CHECK(CJAIL_STEP_PIVOT, RAW1(__NR_chdir, "/"), 1);
}

/// Stage 2's part of the root: the command's files, then the root itself
/// read-only (only the plan's writable mounts take writes).
static void finish_root(const struct cjail_plan *p)
{
    for (int i = 0; i < p->late_mount_count; i++) {
        int kind = p->late_mounts[i].kind;
        if (kind != CJAIL_MOUNT_FILE && kind != CJAIL_MOUNT_DIR) fail(CJAIL_STEP_LATE_MOUNT, -EINVAL, i);
        CHECK(CJAIL_STEP_LATE_MOUNT, apply_mount(&p->late_mounts[i], "", -1), i);
    }
    CHECK(CJAIL_STEP_MOUNT, RAW5(__NR_mount, 0, "/", 0, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, 0), -1);
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
/// own mounts. Adding a rule restricts nothing yet.
static void add_landlock_rules(const struct cjail_root_plan *root)
{
    for (int i = 0; i < root->landlock_rule_count; i++) {
        long fd = RAW3(__NR_openat, AT_FDCWD, root->landlock_rules[i].path, O_PATH | O_CLOEXEC);
        CHECK(CJAIL_STEP_LANDLOCK, fd, i);
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
static void confine_for_command(const struct cjail_root_plan *root, const struct cjail_plan *p, const char *workdir)
{
    finish_root(p);

    // Step 3, rest: a cgroup namespace rooted at the run's cgroup, rlimits.
    if (p->unshare_cgroup_ns) CHECK(CJAIL_STEP_IDENTITY, RAW1(__NR_unshare, CLONE_NEWCGROUP), 4);
    for (int i = 0; i < p->rlimit_count; i++) {
        struct rlimit64 { unsigned long long cur, max; } rl = { p->rlimits[i].soft, p->rlimits[i].hard };
        CHECK(CJAIL_STEP_RLIMIT, RAW4(__NR_prlimit64, 0, p->rlimits[i].resource, &rl, 0), i);
    }

    // Step 4, rest: the working directory (fds and environment are the
    // plan's: arranged at clone, given to execve).
    if (workdir) CHECK(CJAIL_STEP_WORKDIR, RAW1(__NR_chdir, workdir), 0);

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
    build_root(root);

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
    // the parent checked allows chdir; any other goes through the sequence.
    if (root->seal) CHECK(CJAIL_STEP_WORKDIR, RAW1(__NR_chdir, p->workdir), 0);
    else confine_for_command(root, p, p->workdir);

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
