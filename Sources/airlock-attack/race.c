// Attacks run on the host, not in a sandbox: an unprivileged process with
// the host uid the sandboxes map to, racing each launch. Between clone and
// execve the sandbox child shares the launcher's (the daemon's) memory; if
// that child were readable by its uid, any process of that uid could read
// the daemon's memory through it.
#define _GNU_SOURCE
#include "attacks.h"
#include "report.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/// "ADDRESS,LENGTH,SECONDS": until the deadline, tries to read LENGTH bytes
/// at ADDRESS from every process on the host; prints the first success.
void attack_steal(const char *spec)
{
    unsigned long address = 0, length = 0;
    double seconds = 0;
    char buffer[256];
    if (sscanf(spec, "%lu,%lu,%lf", &address, &length, &seconds) != 3 || length == 0 || length > sizeof buffer) {
        report_text("steal", "errno=EINVAL");
        return;
    }
    pid_t self = getpid();
    double deadline = now_seconds() + seconds;
    long attempts = 0;
    while (now_seconds() < deadline) {
        DIR *proc = opendir("/proc");
        if (!proc) break;
        struct dirent *entry;
        while ((entry = readdir(proc)) != NULL) {
            pid_t pid = (pid_t)atoi(entry->d_name);
            if (pid <= 0 || pid == self) continue;
            struct iovec local = { buffer, length }, remote = { (void *)address, length };
            attempts++;
            if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)length) {
                closedir(proc);
                for (unsigned long i = 0; i < length; i++) {
                    if (!isprint((unsigned char)buffer[i])) buffer[i] = '.';
                }
                report_text("steal", "ok pid=%d content=%.*s", (int)pid, (int)length, buffer);
                return;
            }
        }
        closedir(proc);
    }
    report_text("steal", "errno=none_readable attempts=%ld", attempts);
}
