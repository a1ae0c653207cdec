// Handing a command line to the Swift CLI, which sits next to this binary.
#define _GNU_SOURCE
#include "front.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

void front_trace(const char *format, ...)
{
    static int enabled = -1;
    if (enabled < 0) {
        const char *value = getenv("AIRLOCK_TRACE");
        enabled = value && strcmp(value, "1") == 0;
    }
    if (!enabled) return;
    char line[1024];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    dprintf(STDERR_FILENO, "airlock-trace: front end: %s\n", line);
}

void front_hand_over(char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "airlock: cannot find this program's own path (/proc/self/exe): %s\n", strerror(errno));
        exit(125);
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    static const char name[] = "airlock-cli";
    if (!slash || (size_t)(slash - self) + sizeof name + 1 > sizeof self) {
        fprintf(stderr, "airlock: cannot place airlock-cli next to %s\n", self);
        exit(125);
    }
    memcpy(slash + 1, name, sizeof name);
    execve(self, argv, environ);
    fprintf(stderr, "airlock: cannot run %s: %s (it is installed next to airlock)\n", self, strerror(errno));
    exit(125);
}
