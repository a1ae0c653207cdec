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
#include <stdio.h>
#include <stdlib.h>
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
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
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

/// The rest of the new mount API. Each would need a filesystem context or
/// a detached mount from fsopen/open_tree (both denied), so each aims at
/// what an attacker would try next: turn a context into a mount, reconfigure
/// the root's superblock, graft a tree over /, clear read-only on /.
void attack_fsmount(void)
{
    report("fsmount", syscall(SYS_fsmount, -1, 0, 0));
}

void attack_fsconfig(void)
{
    const long fsconfig_cmd_reconfigure = 7;
    report("fsconfig", syscall(SYS_fsconfig, -1, fsconfig_cmd_reconfigure, NULL, NULL, 0));
}

void attack_move_mount(void)
{
    const long move_mount_f_empty_path = 0x4;
    report("move_mount", syscall(SYS_move_mount, -1, "", AT_FDCWD, "/", move_mount_f_empty_path));
}

void attack_fspick(void)
{
    report("fspick", syscall(SYS_fspick, AT_FDCWD, "/", 0));
}

void attack_mount_setattr(void)
{
    // struct mount_attr { attr_set, attr_clr, propagation, userns_fd }
    uint64_t attr[4] = { 0, 0x1 /* MOUNT_ATTR_RDONLY */, 0, 0 };
    report("mount_setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x8000 /* AT_RECURSIVE */, attr, sizeof attr));
}

void attack_unshare_user(void)
{
    report("unshare_user", syscall(SYS_unshare, CLONE_NEWUSER));
}

/// This process's own user namespace, so that a test can compare it before
/// and after an unshare in the same process (a shell's would not change).
void attack_userns(void)
{
    char target[128];
    ssize_t n = readlink("/proc/self/ns/user", target, sizeof target - 1);
    if (n < 0) { report("userns", -1); return; }
    target[n] = 0;
    report_text("userns", "ns=%s", target);
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

/// clone with one namespace flag: "newns", "newnet" or "newpid".
void attack_clone_ns(const char *which)
{
    static const struct { const char *name; long flag; } flags[] = {
        { "newns", CLONE_NEWNS }, { "newnet", CLONE_NEWNET }, { "newpid", CLONE_NEWPID },
        { "newuts", CLONE_NEWUTS }, { "newipc", CLONE_NEWIPC }, { "newcgroup", CLONE_NEWCGROUP },
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(flags[i].name, which) != 0) continue;
        char name[32];
        snprintf(name, sizeof name, "clone_%s", which);
        long pid = syscall(SYS_clone, flags[i].flag | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) _exit(0);
        report(name, pid);
        reap(pid);
        return;
    }
    fprintf(stderr, "airlock-attack: clone_ns takes newns, newnet, newpid, newuts, newipc or newcgroup: %s\n", which);
    exit(2);
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
