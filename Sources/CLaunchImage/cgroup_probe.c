// Which cgroups Airlock may use here (see claunch_image.h). In C so that
// the engine's HostCapabilities and the front end ask the same question: a
// launch image planned without a cgroup (or with fewer controllers) must
// not be served once the host offers more.
#define _GNU_SOURCE
#include "claunch_image.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char base[] = "/sys/fs/cgroup";
static const char *const wanted[] = { "memory", "pids", "cpu", "cpuacct" };
enum { WANTED_COUNT = sizeof wanted / sizeof wanted[0] };

static int exists(const char *path) { return access(path, F_OK) == 0; }

/// Whether `name` is a whole word of the space-separated `list`.
static int listed(const char *list, const char *name)
{
    size_t length = strlen(name);
    for (const char *word = list; (word = strstr(word, name)); word += length) {
        int starts = word == list || word[-1] == ' ' || word[-1] == '\n';
        int ends = word[length] == 0 || word[length] == ' ' || word[length] == '\n';
        if (starts && ends) return 1;
    }
    return 0;
}

int claunch_cgroup_probe(uint32_t *usable)
{
    char path[256];
    *usable = 0;
    snprintf(path, sizeof path, "%s/cgroup.controllers", base);
    if (exists(path)) {
        char available[1024] = {0};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, available, sizeof available - 1);
            available[n > 0 ? n : 0] = 0;
            close(fd);
        }
        // v2: one hierarchy, managed as a whole or not at all.
        if (access(base, W_OK) == 0) {
            for (int i = 0; i < WANTED_COUNT; i++) {
                if (listed(available, wanted[i])) *usable |= 1u << i;
            }
        }
        return 2;
    }
    int mounted = 0;
    for (int i = 0; i < WANTED_COUNT; i++) {
        snprintf(path, sizeof path, "%s/%s/cgroup.procs", base, wanted[i]);
        if (!exists(path)) continue;
        mounted = 1;
        snprintf(path, sizeof path, "%s/%s", base, wanted[i]);
        if (access(path, W_OK) == 0) *usable |= 1u << i;
    }
    return mounted ? 1 : 0;
}
