// An image's key and where images live (see claunch_image.h).
#define _GNU_SOURCE
#include "claunch_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/// Each field goes in with its length first, so no two different inputs
/// (an option ending where the next begins) feed the digest the same bytes.
static void add_field(struct claunch_sha256 *ctx, const void *bytes, size_t length)
{
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++) prefix[i] = (unsigned char)((uint64_t)length >> (8 * i));
    claunch_sha256_update(ctx, prefix, sizeof prefix);
    claunch_sha256_update(ctx, bytes, length);
}

static void add_string(struct claunch_sha256 *ctx, const char *s) { add_field(ctx, s, strlen(s)); }

static void add_number(struct claunch_sha256 *ctx, uint64_t n)
{
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)(n >> (8 * i));
    add_field(ctx, bytes, sizeof bytes);
}

/// One environment entry and where it stood.
struct variable {
    const char *entry;
    uint64_t position;
};

/// By name, and for a name given twice by position (the first one is the
/// one getenv finds, so their order means something).
static int by_name(const void *a, const void *b)
{
    const struct variable *x = a, *y = b;
    size_t x_name = strcspn(x->entry, "="), y_name = strcspn(y->entry, "=");
    int order = memcmp(x->entry, y->entry, x_name < y_name ? x_name : y_name);
    if (order == 0 && x_name != y_name) order = x_name < y_name ? -1 : 1;
    if (order == 0) order = x->position < y->position ? -1 : 1;
    return order;
}

void claunch_image_key(const struct claunch_caller *caller, unsigned char key[32])
{
    struct claunch_sha256 ctx;
    claunch_sha256_init(&ctx);
    add_string(&ctx, "airlock launch image key v2");
    add_number(&ctx, getuid());
    add_number(&ctx, geteuid());
    add_number(&ctx, getgid());
    add_number(&ctx, getegid());
    gid_t groups[256];
    int group_count = getgroups(256, groups);
    add_number(&ctx, (uint64_t)(int64_t)group_count);
    for (int i = 0; i < group_count; i++) add_number(&ctx, groups[i]);
    add_string(&ctx, caller->program ? caller->program : "");
    add_string(&ctx, caller->cli ? caller->cli : "");
    add_string(&ctx, caller->cwd);
    add_number(&ctx, (uint64_t)caller->option_count);
    for (int i = 0; i < caller->option_count; i++) add_string(&ctx, caller->options[i]);
    // The environment as a set of variables: the same variables in another
    // order (a caller that builds it from a dictionary) are the same key.
    const char *const *environment = caller->environment;
    uint64_t variables = 0;
    while (environment && environment[variables]) variables++;
    struct variable *sorted = malloc((variables ? variables : 1) * sizeof *sorted);
    add_number(&ctx, variables);
    if (sorted) {
        for (uint64_t i = 0; i < variables; i++) sorted[i] = (struct variable){ environment[i], i };
        qsort(sorted, variables, sizeof *sorted, by_name);
        for (uint64_t i = 0; i < variables; i++) add_string(&ctx, sorted[i].entry);
        free(sorted);
    } else {
        // No memory to sort: a key that matches nothing saved (a miss).
        add_string(&ctx, "unsorted");
        for (uint64_t i = 0; i < variables; i++) add_string(&ctx, environment[i]);
    }
    claunch_sha256_final(&ctx, key);
}

static const char *lookup(const char *const *environment, const char *name)
{
    size_t length = strlen(name);
    for (; environment && *environment; environment++) {
        if (strncmp(*environment, name, length) == 0 && (*environment)[length] == '=') return *environment + length + 1;
    }
    return NULL;
}

int claunch_cache_folder(const char *const *environment, uint32_t uid, char *out, size_t size)
{
    const char *override = lookup(environment, "AIRLOCK_LAUNCH_CACHE");
    const char *xdg = lookup(environment, "XDG_CACHE_HOME");
    const char *home = lookup(environment, "HOME");
    int written;
    if (override && strcmp(override, "off") == 0) return -ENOENT;
    if (override && override[0] == '/') {
        written = snprintf(out, size, "%s", override);
    } else if (uid == 0) {
        written = snprintf(out, size, "/var/cache/airlock/launch");
    } else if (xdg && xdg[0] == '/') {
        written = snprintf(out, size, "%s/airlock/launch", xdg);
    } else if (home && home[0] == '/') {
        written = snprintf(out, size, "%s/.cache/airlock/launch", home);
    } else {
        return -ENOENT;
    }
    return written > 0 && (size_t)written < size ? 0 : -ENAMETOOLONG;
}

void claunch_image_name(const unsigned char key[32], char out[69])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[key[i] >> 4];
        out[2 * i + 1] = hex[key[i] & 15];
    }
    memcpy(out + 64, ".img", 5);
}

int claunch_boot_id(char out[40])
{
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = read(fd, out, 39);
    int saved = errno;
    close(fd);
    if (n < 36) return n < 0 ? -saved : -EIO;
    out[36] = 0;
    return 0;
}

int claunch_fingerprint_take(const char *path, int follow, struct claunch_fingerprint *out)
{
    struct stat info;
    memset(out, 0, sizeof *out);
    out->path = path;
    out->follow = follow;
    if ((follow ? stat(path, &info) : lstat(path, &info)) != 0) {
        return errno == ENOENT || errno == ENOTDIR || (follow && errno == ELOOP) ? 0 : -errno;
    }
    out->present = 1;
    out->mode = info.st_mode;
    out->uid = info.st_uid;
    out->gid = info.st_gid;
    out->dev = info.st_dev;
    out->ino = info.st_ino;
    out->size = (uint64_t)info.st_size;
    out->mtime_sec = info.st_mtim.tv_sec;
    out->mtime_nsec = info.st_mtim.tv_nsec;
    out->ctime_sec = info.st_ctim.tv_sec;
    out->ctime_nsec = info.st_ctim.tv_nsec;
    return 0;
}

int claunch_fingerprint_matches(const struct claunch_fingerprint *expected)
{
    struct claunch_fingerprint now;
    if (claunch_fingerprint_take(expected->path, expected->follow, &now) != 0) return 0;
    if (now.present != expected->present) return 0;
    if (!now.present) return 1;
    int same_inode = now.mode == expected->mode && now.uid == expected->uid && now.gid == expected->gid &&
                     now.dev == expected->dev && now.ino == expected->ino;
    if (expected->identity_only) return same_inode;
    // ctime moves with every change to the inode (contents, mode, owner,
    // links) and cannot be set back by anyone but the kernel.
    return same_inode && now.size == expected->size && now.mtime_sec == expected->mtime_sec &&
           now.mtime_nsec == expected->mtime_nsec && now.ctime_sec == expected->ctime_sec &&
           now.ctime_nsec == expected->ctime_nsec;
}

int claunch_landlock_ruleset(const struct cjail_landlock_ruleset_attr *attr)
{
    size_t size = sizeof *attr;
    if (attr->scoped == 0) size -= sizeof attr->scoped;
    if (attr->scoped == 0 && attr->handled_access_net == 0) size -= sizeof attr->handled_access_net;
    return cjail_landlock_create_ruleset(attr, size);
}

int claunch_exec_candidates(const char *command, const char *path, char *storage, size_t storage_size, const char **out,
                            int max)
{
    size_t used = 0;
    int count = 0;
    size_t command_length = strlen(command);
    if (strchr(command, '/')) {
        if (max < 1 || command_length + 1 > storage_size) return -ENAMETOOLONG;
        memcpy(storage, command, command_length + 1);
        out[0] = storage;
        return 1;
    }
    const char *entry = path;
    while (*entry) {
        const char *end = strchr(entry, ':');
        size_t length = end ? (size_t)(end - entry) : strlen(entry);
        // Relative and empty entries are skipped: inside the sandbox the
        // working directory is not a place to look for commands.
        if (length > 0 && entry[0] == '/') {
            size_t needed = length + 1 + command_length + 1;
            if (count == max || used + needed > storage_size) return -ENAMETOOLONG;
            char *candidate = storage + used;
            memcpy(candidate, entry, length);
            candidate[length] = '/';
            memcpy(candidate + length + 1, command, command_length + 1);
            out[count++] = candidate;
            used += needed;
        }
        if (!end) break;
        entry = end + 1;
    }
    return count;
}
