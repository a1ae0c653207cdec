// Escapes through the mount table and namespaces: a new mount or root
// would let the child undo its filesystem view; a new user namespace would
// hand it a full capability set to attack the kernel with.
#define _GNU_SOURCE
#include "attacks.h"
#include "report.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

void attack_mount(void)
{
    report("mount", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0));
}

void attack_umount(void)
{
    report("umount", syscall(SYS_umount2, "/proc", MNT_DETACH));
}

void attack_chroot(void)
{
    report("chroot", syscall(SYS_chroot, "/tmp"));
}

void attack_pivot_root(void)
{
    report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
}

void attack_open_tree(void)
{
    const long open_tree_clone = 1;
    report("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", open_tree_clone));
}

void attack_fsopen(void)
{
    report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
}

void attack_unshare_user(void)
{
    report("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
}

/// Waits for a child made by a successful clone; the child exits at once.
static void reap(long pid)
{
    if (pid > 0) waitpid((pid_t)pid, NULL, __WALL);
}

void attack_clone_newuser(void)
{
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    report("clone_newuser", pid);
    reap(pid);
}

void attack_clone3(void)
{
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUSER;
    args.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) _exit(0);
    report("clone3", pid);
    reap(pid);
}

/// Joins the user namespace of pid 1 (in the sandbox, that's our own
/// init; a working setns is the primitive any namespace escape needs).
void attack_setns(void)
{
    int fd = open("/proc/1/ns/user", O_RDONLY | O_CLOEXEC);
    report("setns", syscall(SYS_setns, fd, CLONE_NEWUSER));
    if (fd >= 0) close(fd);
}
