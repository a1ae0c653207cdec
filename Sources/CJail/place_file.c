// The parent writing a file into a waiting child's root: how a sealed warm
// child (its root already read-only, its filter in force) gets the files
// of the command it is given. Runs on the calling (Swift) thread; ordinary
// libc is fine here.
#define _GNU_SOURCE
#include "cjail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int cjail_place_file(int pid, const char *path, const void *data, size_t len, unsigned int mode, unsigned int uid,
                     unsigned int gid)
{
    char root_path[64];
    snprintf(root_path, sizeof root_path, "/proc/%d/root", pid);
    int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return -errno;
    // Resolved inside the child's root, through no link of any kind: the
    // child has run only Airlock's own code, but nothing here relies on it.
    struct open_how how = {
        .flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
        .mode = mode & 07777,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    // Created as the sandbox user itself: a filesystem the child mounted
    // belongs to its user namespace, where our own ids (host root) have no
    // mapping and a file of ours could not exist (EOVERFLOW). setfsuid and
    // setfsgid change the calling thread only.
    int previous_gid = setfsgid(gid);
    int previous_uid = setfsuid(uid);
    int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
    int err = fd < 0 ? -errno : 0;
    close(root);
    if (!err) {
        size_t done = 0;
        while (!err && done < len) {
            ssize_t w = write(fd, (const char *)data + done, len - done);
            if (w < 0 && errno != EINTR) err = -errno;
            if (w > 0) done += (size_t)w;
        }
        // Exactly its mode (the open was subject to the umask).
        if (!err && fchmod(fd, mode & 07777) < 0) err = -errno;
        if (close(fd) < 0 && !err) err = -errno;
    }
    setfsuid(previous_uid);
    setfsgid(previous_gid);
    return err;
}
