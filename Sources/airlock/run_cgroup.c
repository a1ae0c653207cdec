// The run's cgroup, made from the recipe the Swift side saved (RunCgroup
// decides the folders, the limit writes and where each counter is read;
// this only carries them out).
#define _GNU_SOURCE
#include "front.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t length = strlen(text);
    int rc = write(fd, text, length) == (ssize_t)length ? 0 : -errno;
    close(fd);
    return rc;
}

int front_cgroup_create(struct front_cgroup *cgroup, const struct claunch_image *image)
{
    memset(cgroup, 0, sizeof *cgroup);
    cgroup->version = image->cgroup_version;
    if (image->cgroup_folder_count > 8) return -E2BIG;
    // The owner's pid in the name lets RunCgroup.removeAbandoned clear what
    // a killed front end left behind.
    unsigned int nonce = (unsigned int)getpid() ^ (unsigned int)time(NULL);
    for (int i = 0; i < image->cgroup_folder_count; i++) {
        const struct claunch_cgroup_folder *folder = &image->cgroup_folders[i];
        int n = snprintf(cgroup->paths[i], sizeof cgroup->paths[i], "%s/run-%d-front%08x", folder->parent, (int)getpid(), nonce);
        if (n <= 0 || (size_t)n >= sizeof cgroup->paths[i] || mkdir(cgroup->paths[i], 0755) != 0) {
            int rc = n > 0 && (size_t)n < sizeof cgroup->paths[i] ? -errno : -ENAMETOOLONG;
            front_cgroup_remove(cgroup);
            return rc;
        }
        cgroup->count = i + 1;
        if (folder->child_joins) {
            snprintf(cgroup->join_paths[i], sizeof cgroup->join_paths[i], "%s/tasks", cgroup->paths[i]);
            cgroup->self_joins[cgroup->self_join_count++] = cgroup->join_paths[i];
        } else if (folder->parent_joins) {
            snprintf(cgroup->join_paths[i], sizeof cgroup->join_paths[i], "%s/cgroup.procs", cgroup->paths[i]);
            cgroup->parent_joins[cgroup->parent_join_count++] = cgroup->join_paths[i];
        }
    }
    for (int i = 0; i < image->cgroup_write_count; i++) {
        const struct claunch_cgroup_write *w = &image->cgroup_writes[i];
        char path[512];
        int rc = w->folder >= 0 && w->folder < cgroup->count ? 0 : -EINVAL;
        if (rc == 0 && snprintf(path, sizeof path, "%s/%s", cgroup->paths[w->folder], w->file) >= (int)sizeof path) rc = -ENAMETOOLONG;
        if (rc == 0) rc = write_text(path, w->value);
        if (rc != 0) {
            front_cgroup_remove(cgroup);
            return rc;
        }
    }
    return 0;
}

/// A counter's value: the file's first number, or the number after `key`.
static int read_counter(const struct front_cgroup *cgroup, const struct claunch_cgroup_counter *counter, uint64_t *value)
{
    if (counter->folder < 0 || counter->folder >= cgroup->count) return 0;
    char path[512], text[4096];
    snprintf(path, sizeof path, "%s/%s", cgroup->paths[counter->folder], counter->file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = 0;
    const char *number = text;
    if (counter->key) {
        size_t key_length = strlen(counter->key);
        number = NULL;
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            if (strncmp(line, counter->key, key_length) == 0 && line[key_length] == ' ') {
                number = line + key_length + 1;
                break;
            }
        }
        if (!number) return 0;
    }
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(number, &end, 10);
    if (errno || end == number || (*end != '\n' && *end != 0)) return 0;
    *value = (uint64_t)parsed * (counter->scale ? counter->scale : 1);
    return 1;
}

/// The value of the image's counter of `kind`; 0 when it lists none or
/// the file can't be read (as RunCgroup reads a missing counter).
static uint64_t counter_of(const struct front_cgroup *cgroup, const struct claunch_image *image, int kind)
{
    for (int i = 0; i < image->cgroup_counter_count; i++) {
        uint64_t value = 0;
        if (image->cgroup_counters[i].kind == kind && read_counter(cgroup, &image->cgroup_counters[i], &value)) return value;
    }
    return 0;
}

void front_cgroup_read(const struct front_cgroup *cgroup, const struct claunch_image *image, struct csup_cgroup_counts *counts)
{
    memset(counts, 0, sizeof *counts);
    if (cgroup->count == 0) return;
    counts->present = 1;
    counts->counts_cpu = image->cgroup_counts_cpu;
    counts->memory_limit_hits = counter_of(cgroup, image, CLAUNCH_COUNTER_MEMORY_LIMIT_HITS);
    counts->oom_kills = counter_of(cgroup, image, CLAUNCH_COUNTER_OOM_KILLS);
    counts->pids_limit_hits = counter_of(cgroup, image, CLAUNCH_COUNTER_PIDS_LIMIT_HITS);
    counts->cpu_ns = counter_of(cgroup, image, CLAUNCH_COUNTER_CPU_NS);
}

uint64_t front_cgroup_cpu_ns(const struct front_cgroup *cgroup, const struct claunch_image *image)
{
    return counter_of(cgroup, image, CLAUNCH_COUNTER_CPU_NS);
}

void front_cgroup_remove(struct front_cgroup *cgroup)
{
    // The dead sandbox's processes can take a moment to leave; what still
    // cannot be removed is cleared later by RunCgroup.removeAbandoned.
    for (int attempt = 0; attempt < 20; attempt++) {
        int left = 0;
        for (int i = 0; i < cgroup->count; i++) {
            if (cgroup->paths[i][0] && rmdir(cgroup->paths[i]) != 0 && errno != ENOENT) left++;
            else cgroup->paths[i][0] = 0;
        }
        if (!left) return;
        struct timespec pause = { 0, 1000000L << (attempt < 5 ? attempt : 5) };
        nanosleep(&pause, NULL);
    }
}

void front_cgroup_sweep(const struct claunch_image *image)
{
    for (int i = 0; i < image->cgroup_folder_count; i++) {
        const char *parent = image->cgroup_folders[i].parent;
        DIR *folder = opendir(parent);
        if (!folder) continue;
        struct dirent *entry;
        while ((entry = readdir(folder))) {
            int owner = 0;
            if (sscanf(entry->d_name, "run-%d-", &owner) != 1 || owner <= 0) continue;
            if (kill(owner, 0) == 0 || errno != ESRCH) continue;
            char path[512];
            struct stat info;
            if (snprintf(path, sizeof path, "%s/%s", parent, entry->d_name) >= (int)sizeof path || stat(path, &info) != 0) continue;
            // A pid this process can't see (another pid namespace sharing
            // the hierarchy) may own a cgroup it is about to join: only
            // folders older than a minute are taken for abandoned.
            if (time(NULL) - info.st_mtime < 60) continue;
            (void)rmdir(path);
        }
        closedir(folder);
    }
}
