// Finding, reading and checking the launch image of an `exec` command line.
#define _GNU_SOURCE
#include "front.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/// Larger than any image a profile compiles to; a bigger file is not ours.
static const off_t max_image_size = 16 << 20;

/// Only the user's own, private folder and file are trusted: anything
/// another user could have written is a miss (the CLI then plans afresh).
static int private_to_us(const struct stat *info, int want_type)
{
    return (info->st_mode & S_IFMT) == (mode_t)want_type && info->st_uid == geteuid() && (info->st_mode & 077) == 0;
}

static void *read_image(const unsigned char key[32], size_t *length)
{
    char folder[PATH_MAX], name[69];
    if (claunch_cache_folder((const char *const *)environ, geteuid(), folder, sizeof folder) != 0) {
        front_trace("no launch image folder (AIRLOCK_LAUNCH_CACHE=off, or no HOME)");
        return NULL;
    }
    claunch_image_name(key, name);
    int folder_fd = open(folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (folder_fd < 0) {
        front_trace("no launch image folder at %s", folder);
        return NULL;
    }
    struct stat info;
    int fd = -1;
    if (fstat(folder_fd, &info) == 0 && private_to_us(&info, S_IFDIR)) {
        // Non-blocking: a FIFO planted at the name must not hang us (it is
        // refused below as not a regular file).
        fd = openat(folder_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) front_trace("no launch image %s for these options", name);
    } else {
        front_trace("launch image folder %s is not private to this user: not used", folder);
    }
    close(folder_fd);
    if (fd < 0) return NULL;
    void *bytes = NULL;
    if (fstat(fd, &info) == 0 && private_to_us(&info, S_IFREG) && info.st_size > 0 && info.st_size <= max_image_size) {
        bytes = malloc((size_t)info.st_size);
        size_t done = 0;
        while (bytes && done < (size_t)info.st_size) {
            ssize_t n = read(fd, (char *)bytes + done, (size_t)info.st_size - done);
            if (n <= 0) {
                free(bytes);
                bytes = NULL;
            } else {
                done += (size_t)n;
            }
        }
        *length = done;
    } else {
        front_trace("launch image %s is not a private file of this user: not used", name);
    }
    close(fd);
    return bytes;
}

const struct claunch_image *front_load_image(char **argv, int dash, void **buffer)
{
    char cwd[PATH_MAX], cli[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || front_cli_path(cli, sizeof cli) != 0) return NULL;
    unsigned char secret[16];
    if (claunch_mac_secret(0, secret) != 0) {
        front_trace("no launch image secret in this user's keyring yet");
        return NULL;
    }
    struct claunch_caller caller = {
        .options = (const char *const *)argv + 1, .option_count = dash, .program = argv[0], .cli = cli,
        .environment = (const char *const *)environ, .cwd = cwd,
    };
    unsigned char key[32];
    claunch_image_key(&caller, key);
    size_t length = 0;
    void *bytes = read_image(key, &length);
    if (!bytes) return NULL;
    const struct claunch_image *image = NULL;
    int rc = claunch_image_decode(bytes, length, key, secret, &image);
    if (rc != 0) {
        front_trace("launch image refused: %s", rc == -ESTALE ? "another key or another boot" : "damaged, not sealed by this user, or from another build");
        image = NULL;
    }
    // Every file and folder the planning read must be as it was then.
    for (int i = 0; image && i < image->fingerprint_count; i++) {
        if (!claunch_fingerprint_matches(&image->fingerprints[i])) {
            front_trace("launch image is stale: %s changed", image->fingerprints[i].path);
            image = NULL;
        }
    }
    // The host's cgroups as the plan found them: a plan made without the
    // memory cgroup (read-only mount, another namespace) must not be served
    // once the host offers it.
    uint32_t usable = 0;
    if (image) {
        int version = claunch_cgroup_probe(&usable);
        if (version != image->probed_cgroup_version || usable != image->probed_cgroup_controllers) {
            front_trace("launch image is stale: the host's cgroups changed");
            image = NULL;
        }
    }
    if (image) front_trace("running from launch image");
    if (!image) {
        free(bytes);
        return NULL;
    }
    *buffer = bytes;
    return image;
}
