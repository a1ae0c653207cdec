// The parent's half of a launch, in two stages: cjail_prepare clones the
// child into its namespaces, writes its id maps and puts it in its cgroups
// (the child then builds its root and waits); cjail_start hands it the
// command. Runs on the calling (Swift) thread; ordinary libc is fine here.
#define _GNU_SOURCE
#include "child.h"
#include "home_netns.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

enum { CHILD_STACK_SIZE = 256 * 1024, SPARE_STACKS = 8 };

// Child stacks are kept for later launches instead of unmapped: a fresh
// mapping costs the child a page fault for each page it touches, and
// unmapping one shoots down TLB entries on every CPU this process runs on.
// A stack comes back only once its child has exec'd or died (the contract
// of cjail_release_stack), so no two children ever share one.
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static void *spare_stacks[SPARE_STACKS];
static int spare_count;

static void *take_stack(void)
{
    void *stack = NULL;
    pthread_mutex_lock(&spare_lock);
    if (spare_count > 0) stack = spare_stacks[--spare_count];
    pthread_mutex_unlock(&spare_lock);
    if (stack) return stack;
    stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    return stack == MAP_FAILED ? NULL : stack;
}

static void give_back_stack(void *stack)
{
    pthread_mutex_lock(&spare_lock);
    if (spare_count < SPARE_STACKS) {
        spare_stacks[spare_count++] = stack;
        stack = NULL;
    }
    pthread_mutex_unlock(&spare_lock);
    if (stack) munmap(stack, CHILD_STACK_SIZE);
}

static int write_proc_file(pid_t pid, const char *name, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int err = w < 0 ? -errno : ((size_t)w == len ? 0 : -EIO);
    close(fd);
    return err;
}

static int write_pid(const char *path, pid_t pid)
{
    char text[16];
    snprintf(text, sizeof text, "%d", (int)pid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t length = strlen(text);
    ssize_t w = write(fd, text, length);
    int err = w < 0 ? -errno : (size_t)w != length ? -EIO : 0;
    close(fd);
    return err;
}

static void close_pair(int p[2])
{
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
    p[0] = p[1] = -1;
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/// Opens /proc/PID/ns/mnt: a reference that outlives the child.
static int hold_mount_namespace(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/// The child died before reading its first byte (EPIPE on the sync pipe):
/// a report it left on the status pipe (a failure before its setup began,
/// such as arranging its descriptors) says why better than the broken pipe.
/// Only what is already there is read: the child is gone.
static void own_report_of_death(int status_fd, int *failed_step, int *err)
{
    struct pollfd ready = { .fd = status_fd, .events = POLLIN };
    struct cjail_status st;
    if (poll(&ready, 1, 0) == 1 && read(status_fd, &st, sizeof st) == (ssize_t)sizeof st && st.error > 0) {
        *failed_step = st.step;
        *err = -st.error;
    }
}

int cjail_prepare(const struct cjail_root_plan *root, int want_stdin, struct cjail_spawned *out, int *failed_step)
{
    int sync[2] = { -1, -1 }, status[2] = { -1, -1 }, in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 };
    *failed_step = CJAIL_STEP_OK;
    *out = (struct cjail_spawned){ .pid = -1, .pidfd = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
                                   .status_fd = -1, .sync_fd = -1, .mount_ns_fd = -1 };
    if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0 ||
        pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
        int err = -errno;
        close_pair(sync); close_pair(status); close_pair(in); close_pair(o); close_pair(e);
        *failed_step = CJAIL_STEP_FDS;
        return err;
    }

    void *stack = take_stack();
    if (!stack) {
        int err = -errno;
        close_pair(sync); close_pair(status); close_pair(in); close_pair(o); close_pair(e);
        *failed_step = CJAIL_STEP_FDS;
        return err;
    }
    // The arguments live at the bottom of the child's stack mapping, far
    // below anything the child's frames will reach.
    struct cjail_child_args *args = stack;
    *args = (struct cjail_child_args){
        .root = root, .plan = NULL,
        .stdin_fd = in[0], .stdout_fd = o[1], .stderr_fd = e[1],
        .status_fd = status[1], .sync_fd = sync[0], .landlock_fd = root->landlock_ruleset_fd,
    };

    // The child shares our memory until it execs: block every signal so no
    // handler of ours runs on its stack; it resets and unblocks its own.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pidfd = -1;
    int home_netns = -1;
    if (root->netns_fd >= 0) {
        home_netns = cjail_home_netns();
        if (home_netns < 0 || setns(root->netns_fd, CLONE_NEWNET) < 0) {
            int err = home_netns < 0 ? home_netns : -errno;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            close_pair(sync); close_pair(status); close_pair(in); close_pair(o); close_pair(e);
            give_back_stack(stack);
            *failed_step = CJAIL_STEP_LOOPBACK;
            return err;
        }
    }
    // Exit signal 0: no SIGCHLD to the host process, and no waitpid(-1)
    // elsewhere in it can reap this child; we wait on the pidfd.
    pid_t pid = clone(cjail_child_main, (char *)stack + CHILD_STACK_SIZE,
                      CLONE_VM | CLONE_PIDFD | root->clone_flags, args, &pidfd);
    int clone_errno = errno;
    if (home_netns >= 0) {
        // Back home before anything else runs on this thread. Failing here
        // would leave a daemon thread in a sandbox's namespace: abort.
        if (setns(home_netns, CLONE_NEWNET) < 0) abort();
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    close(sync[0]); close(status[1]); close(in[0]); close(o[1]); close(e[1]);
    if (pid < 0) {
        close(sync[1]); close(status[0]); close(in[1]); close(o[0]); close(e[0]);
        give_back_stack(stack);
        *failed_step = CJAIL_STEP_IDENTITY;
        return -clone_errno;
    }

    int err = 0;
    if (root->clone_flags & CLONE_NEWUSER) {
        if (root->deny_setgroups) err = write_proc_file(pid, "setgroups", "deny");
        if (!err) err = write_proc_file(pid, "uid_map", root->uid_map);
        if (!err) err = write_proc_file(pid, "gid_map", root->gid_map);
        if (err) *failed_step = CJAIL_STEP_IDENTITY;
    }
    for (int i = 0; !err && i < root->cgroup_procs_count; i++) {
        err = write_pid(root->cgroup_procs_paths[i], pid);
        if (err) *failed_step = CJAIL_STEP_RLIMIT;
    }
    if (!err && (root->clone_flags & CLONE_NEWNS)) {
        // Not fatal: without it the namespace is torn down in the child's exit.
        out->mount_ns_fd = hold_mount_namespace(pid);
    }
    if (!err && write(sync[1], "p", 1) != 1) {
        err = -errno;
        *failed_step = CJAIL_STEP_SYNC;
        own_report_of_death(status[0], failed_step, &err);
    }

    out->pid = pid;
    out->pidfd = pidfd;
    out->stdout_fd = o[0];
    out->stderr_fd = e[0];
    out->status_fd = status[0];
    out->sync_fd = sync[1];
    out->stack = stack;
    if (want_stdin) {
        out->stdin_fd = in[1];
        set_nonblocking(in[1]);
    } else {
        close(in[1]);
        out->stdin_fd = -1;
    }
    set_nonblocking(o[0]);
    set_nonblocking(e[0]);
    if (err) {
        // The child never got its go byte: it reads EOF and exits; make sure.
        raw_syscall6(__NR_pidfd_send_signal, pidfd, SIGKILL, 0, 0, 0, 0);
    }
    return err;
}

int cjail_start(struct cjail_spawned *spawned, const struct cjail_plan *plan, int *failed_step)
{
    *failed_step = CJAIL_STEP_OK;
    int err = 0;
    {
        struct cjail_child_args *args = spawned->stack;
        __atomic_store_n(&args->plan, plan, __ATOMIC_RELEASE);
        if (write(spawned->sync_fd, "g", 1) != 1) {
            err = -errno;
            *failed_step = CJAIL_STEP_SYNC;
        }
    }
    close(spawned->sync_fd);
    spawned->sync_fd = -1;
    if (err) raw_syscall6(__NR_pidfd_send_signal, spawned->pidfd, SIGKILL, 0, 0, 0, 0);
    return err;
}

void cjail_release_stack(struct cjail_spawned *spawned)
{
    if (spawned->stack) give_back_stack(spawned->stack);
    spawned->stack = NULL;
}
