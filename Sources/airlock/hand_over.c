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

int front_cli_path(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0) return -1;
    out[n] = 0;
    char *slash = strrchr(out, '/');
    static const char name[] = "airlock-cli";
    if (!slash || (size_t)(slash + 1 - out) + sizeof name > size) return -1;
    memcpy(slash + 1, name, sizeof name);
    return 0;
}

void front_hand_over(char **argv)
{
    char cli[PATH_MAX];
    if (front_cli_path(cli, sizeof cli) != 0) {
        fprintf(stderr, "airlock: cannot find airlock-cli next to this program (/proc/self/exe): %s\n", strerror(errno));
        exit(125);
    }
    execve(cli, argv, environ);
    fprintf(stderr, "airlock: cannot run %s: %s (it is installed next to airlock)\n", cli, strerror(errno));
    exit(125);
}
