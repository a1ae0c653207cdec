// Output helpers shared by every attack.
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *errno_name(int error)
{
    static char fallback[32];
    const char *name = strerrorname_np(error);
    if (name) return name;
    snprintf(fallback, sizeof fallback, "%d", error);
    return fallback;
}

long report(const char *name, long ret)
{
    int saved = errno;
    if (ret >= 0) {
        printf("RESULT %s ok ret=%ld\n", name, ret);
    } else {
        printf("RESULT %s errno=%s\n", name, errno_name(saved));
    }
    errno = saved;
    return ret;
}

void report_text(const char *name, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    printf("RESULT %s ", name);
    vprintf(format, args);
    printf("\n");
    va_end(args);
}

long parse_number(const char *text)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != 0) {
        fprintf(stderr, "airlock-attack: not a number: %s\n", text);
        exit(2);
    }
    return value;
}
