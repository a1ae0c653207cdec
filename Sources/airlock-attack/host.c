// Attacks on host state: files, processes, identity, and what the child
// might have inherited from the process that launched it.
#define _GNU_SOURCE
#include "attacks.h"
#include "report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void attack_kill(const char *pid)
{
    report("kill", syscall(SYS_kill, (pid_t)parse_number(pid), SIGKILL));
}

void attack_write(const char *path)
{
    static const char text[] = "written-by-airlock-attack\n";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (report("write_open", fd) < 0) {
        report_text("write", "errno=%s", errno_name(errno));
        return;
    }
    report("write", write(fd, text, sizeof text - 1));
    close(fd);
}

/// Prints the first bytes of a file, unprintable ones as '.', so the test
/// can look for a secret's text in the output.
void attack_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report("read", -1);
        return;
    }
    char buffer[256];
    ssize_t n = read(fd, buffer, sizeof buffer);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        report("read", -1);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (!isprint((unsigned char)buffer[i])) buffer[i] = '.';
    }
    report_text("read", "ok bytes=%zd content=%.*s", n, (int)n, buffer);
}

/// Lists the names of the entries of a /proc directory that are numbers.
static void list_numeric(const char *name, const char *directory, int skip)
{
    DIR *dir = opendir(directory);
    if (!dir) {
        report(name, -1);
        return;
    }
    char list[4096] = "";
    size_t used = 0;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)entry->d_name[0])) continue;
        if (atoi(entry->d_name) == skip) continue;
        int w = snprintf(list + used, sizeof list - used, "%s%s", count ? "," : "", entry->d_name);
        if (w > 0 && (size_t)w < sizeof list - used) used += (size_t)w;
        count++;
    }
    closedir(dir);
    report_text(name, "ok count=%d list=%s", count, list);
}

/// Every open fd except the one reading the directory.
void attack_fds(void)
{
    DIR *probe = opendir("/proc/self/fd");
    int own = probe ? dirfd(probe) : -1;
    if (probe) closedir(probe);
    // opendir reuses the lowest free number, so the listing's own fd is `own`.
    list_numeric("fds", "/proc/self/fd", own);
}

void attack_procs(void)
{
    list_numeric("procs", "/proc", -1);
}

void attack_capset(void)
{
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) data[i] = (struct __user_cap_data_struct){ ~0U, ~0U, ~0U };
    report("capset", syscall(SYS_capset, &header, data));
}

void attack_setuid0(void)
{
    report("setuid0", syscall(SYS_setuid, 0));
}

/// Ids and the capability/no_new_privs/seccomp lines of /proc/self/status.
void attack_ids(void)
{
    char line[256], status[1024] = "";
    size_t used = 0;
    FILE *file = fopen("/proc/self/status", "re");
    while (file && fgets(line, sizeof line, file)) {
        if (strncmp(line, "Cap", 3) != 0 && strncmp(line, "NoNewPrivs", 10) != 0 && strncmp(line, "Seccomp:", 8) != 0) continue;
        char key[32], value[64];
        if (sscanf(line, "%31[^:]:%63s", key, value) != 2) continue;
        int w = snprintf(status + used, sizeof status - used, " %s=%s", key, value);
        if (w > 0 && (size_t)w < sizeof status - used) used += (size_t)w;
    }
    if (file) fclose(file);
    report_text("ids", "uid=%d euid=%d gid=%d egid=%d%s", (int)getuid(), (int)geteuid(), (int)getgid(),
                (int)getegid(), status);
}

/// Queues real-time signals to itself (blocked, so they stay queued) until
/// the kernel refuses, reports how many it got, then holds them for
/// `seconds`. Queued signals count against the host user that made the
/// sandbox's user namespace: without a cap of its own, a sandbox could
/// take all of that user's quota while it holds them.
void attack_sigqueue_hold(const char *seconds)
{
    long hold = parse_number(seconds);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    long queued = 0;
    union sigval value = { .sival_int = 0 };
    while (queued < 10000000 && sigqueue(getpid(), SIGRTMIN, value) == 0) queued++;
    report_text("sigqueue_hold", "ok queued=%ld errno=%s", queued, errno_name(errno));
    fflush(stdout);
    sleep((unsigned)hold);
}

/// Changes files in `dir` through every legacy and newer entry point the
/// recorder must see: open, creat, openat2, rename, unlink, truncate. One
/// RESULT line per call.
void attack_write_variants(const char *dir)
{
    char a[512], b[512], c[512], moved[512];
    snprintf(a, sizeof a, "%s/variant-open", dir);
    snprintf(b, sizeof b, "%s/variant-creat", dir);
    snprintf(c, sizeof c, "%s/variant-openat2", dir);
    snprintf(moved, sizeof moved, "%s/variant-renamed", dir);
    long fd;
#ifdef SYS_open
    fd = report("variant_open", syscall(SYS_open, a, O_WRONLY | O_CREAT, 0600));
    if (fd >= 0) close((int)fd);
#endif
#ifdef SYS_creat
    fd = report("variant_creat", syscall(SYS_creat, b, 0600));
    if (fd >= 0) close((int)fd);
#endif
    struct { uint64_t flags, mode, resolve; } how = { O_WRONLY | O_CREAT, 0600, 0 };
    fd = report("variant_openat2", syscall(SYS_openat2, AT_FDCWD, c, &how, sizeof how));
    if (fd >= 0) close((int)fd);
#ifdef SYS_rename
    report("variant_rename", syscall(SYS_rename, a, moved));
#endif
#ifdef SYS_unlink
    report("variant_unlink", syscall(SYS_unlink, b));
#endif
    report("variant_truncate", syscall(SYS_truncate, moved, 0));
}

/// Runs `path` through execveat on an open descriptor with an empty path
/// (AT_EMPTY_PATH): the record must still name the file that ran.
void attack_execveat_fd(const char *path)
{
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { report("execveat_fd", fd); return; }
    char *argv[] = { (char *)path, NULL };
    char *envp[] = { NULL };
    fflush(stdout);
    report("execveat_fd", syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
}
