// Step 2 of the confined child: its new root, built from the plan's mount
// list (DESIGN.md, "The confined child"), and the part stage 2 finishes once
// the command is known: its files in, the root read-only. Runs in the
// child, before execve: raw syscalls only (see child_support.h).
#define _GNU_SOURCE
#include "child_support.h"

#include <errno.h>  // constants only: errno itself is never read or written here
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

// Every target is reached from an fd of the root being built, one folder
// at a time, never through a symlink (RESOLVE_NO_SYMLINKS), and every mount
// is made onto the fd it resolved to (the new mount API), never onto a path
// looked up again. A target can lie beneath a bind of a host folder that a
// sandbox writes, now or in an earlier run: a symlink planted there, or a
// folder swapped for one while this child works, must fail the launch, not
// redirect a mount or a Landlock rule onto the root or the host.

/// The resolution every target lookup uses: beneath the fd it starts from,
/// and through no symlink of either kind.
static long open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how_v0 how = { (uint64_t)(flags | O_CLOEXEC), 0,
                               CJ_RESOLVE_BENEATH | CJ_RESOLVE_NO_SYMLINKS | CJ_RESOLVE_NO_MAGICLINKS };
    return RAW4(__NR_openat2, dirfd, path, &how, sizeof how);
}

/// The folder `path` beneath `dirfd` made one component at a time: for a
/// path whose parent is missing too.
static long open_dir_walk(int dirfd, const char *path, int flags)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path);
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    for (size_t i = 0; i <= n; i++) buf[i] = path[i];
    long at = open_beneath(dirfd, ".", O_PATH | O_DIRECTORY);
    if (at < 0) return at;
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && buf[end] != '/') end++;
        buf[end] = 0;
        int last = end >= n;
        if (end > i) {
            long r = RAW3(__NR_mkdirat, at, buf + i, 0755);
            if (r < 0 && r != -EEXIST) { RAW1(__NR_close, at); return r; }
            long next = open_beneath((int)at, buf + i, (last ? flags : O_PATH) | O_DIRECTORY);
            RAW1(__NR_close, at);
            if (next < 0) return next;
            at = next;
        }
        i = end + 1;
    }
    return at;
}

/// An fd (opened with `flags`, plus O_DIRECTORY) of the folder `path`
/// beneath `dirfd`, made 0755 with any missing parent first. In a fresh
/// root a target's parent mostly exists and the target itself does not:
/// the parent is opened, the target made in it (mkdirat never follows a
/// final symlink: it says EEXIST, and the lookup after it refuses the
/// link) and opened; the walk runs only when the parent is missing too.
static long open_dir_creating(int dirfd, const char *path, int flags)
{
    size_t n = c_strlen(path), last = n;
    for (size_t i = 0; i < n; i++) if (path[i] == '/') last = i;
    long parent = dirfd;
    const char *leaf = path;
    if (last < n) {
        char buf[PATH_MAX_LEN];
        if (n + 1 > sizeof buf) return -ENAMETOOLONG;
        for (size_t i = 0; i < last; i++) buf[i] = path[i];
        buf[last] = 0;
        parent = open_beneath(dirfd, buf, O_PATH | O_DIRECTORY);
        if (parent == -ENOENT) return open_dir_walk(dirfd, path, flags);
        if (parent < 0) return parent;
        leaf = path + last + 1;
    }
    long r = RAW3(__NR_mkdirat, parent, leaf, 0755);
    long fd = (r == 0 || r == -EEXIST) ? open_beneath((int)parent, leaf, flags | O_DIRECTORY) : r;
    if (parent != dirfd) RAW1(__NR_close, parent);
    return fd;
}

/// An O_PATH fd of the folder that holds `path`'s last component (made if
/// missing), and that component in `*name`. `path` has no trailing '/'.
static long open_parent_creating(int dirfd, const char *path, char *name, size_t cap)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path), last = 0;
    int has_parent = 0;
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        buf[i] = path[i];
        if (path[i] == '/') { last = i; has_parent = 1; }
    }
    buf[n] = 0;
    const char *leaf = has_parent ? buf + last + 1 : buf;
    if (!c_join(name, cap, leaf, "") || name[0] == 0) return -EINVAL;
    if (!has_parent) return open_beneath(dirfd, ".", O_PATH | O_DIRECTORY);
    buf[last] = 0;
    return open_dir_creating(dirfd, buf, O_PATH);
}

/// An fd of the regular file `path` beneath `dirfd`, made empty with
/// `mode` if missing (a non-directory bind's mount point). The open that
/// makes it is the fd the bind is mounted onto: O_NOFOLLOW refuses a final
/// symlink, and its folder was reached through none. Read-only, so an
/// existing file is never opened for writing; O_NONBLOCK, so a FIFO put in
/// its place can't block the open, and anything but a regular file is
/// refused (ENXIO).
static long open_file_creating(int dirfd, const char *path, unsigned int mode)
{
    char name[PATH_MAX_LEN];
    long parent = open_parent_creating(dirfd, path, name, sizeof name);
    if (parent < 0) return parent;
    long fd = RAW4(__NR_openat, parent, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
    RAW1(__NR_close, parent);
    if (fd < 0) return fd;
    struct stat st;
    long r = RAW2(__NR_fstat, fd, &st);
    if (r == 0 && !S_ISREG(st.st_mode)) r = -ENXIO;
    if (r < 0) {
        RAW1(__NR_close, fd);
        return r;
    }
    return fd;
}

struct mount_attr_v0 {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

/// Gives the detached tree `tree` the attributes in `set` (only ever adds:
/// flags a user namespace inherits locked stay as they are), then attaches
/// it at the folder or file `target` refers to.
static long attach(long tree, unsigned long long set, long target)
{
    struct mount_attr_v0 attr = { set, 0, 0, 0 };
    long r = RAW5(__NR_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
    if (r == 0) r = RAW5(__NR_move_mount, tree, "", target, "", CJ_MOVE_MOUNT_F_EMPTY_PATH | CJ_MOVE_MOUNT_T_EMPTY_PATH);
    RAW1(__NR_close, tree);
    return r;
}

/// Binds the host path `m->source` (canonical: the parent resolved it and
/// refused symlinks a sandbox could have planted) at `path` beneath `root`.
/// The source is opened with RESOLVE_NO_SYMLINKS, so a symlink swapped in
/// after the parent's check fails the launch instead of redirecting the
/// bind, and the mount is cloned from that fd (open_tree), never re-resolved.
static long bind_mount(const struct cjail_mount *m, int root, const char *path, int host_root, int read_only, int device)
{
    if (host_root < 0 || m->source[0] != '/') return -EINVAL;
    // Relative to the host root's fd ("." for the root itself).
    const char *source = m->source[1] ? m->source + 1 : ".";
    long target = m->source_is_dir ? open_dir_creating(root, path, O_PATH) : open_file_creating(root, path, 0444);
    if (target < 0) return target;
    struct open_how_v0 how = { O_PATH | O_CLOEXEC, 0, CJ_RESOLVE_NO_SYMLINKS };
    long fd = RAW4(__NR_openat2, host_root, source, &how, sizeof how);
    long tree = fd;
    if (fd >= 0) {
        // Not AT_RECURSIVE: submounts of a source are never exposed (and a
        // source with locked submounts fails closed with EINVAL).
        tree = RAW3(__NR_open_tree, fd, "", CJ_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
        RAW1(__NR_close, fd);
    }
    long r = tree;
    if (tree >= 0) {
        unsigned long long set = CJ_MOUNT_ATTR_NOSUID | (device ? 0 : CJ_MOUNT_ATTR_NODEV) | (read_only ? CJ_MOUNT_ATTR_RDONLY : 0);
        r = attach(tree, set, target);
    }
    RAW1(__NR_close, target);
    return r;
}

/// A fresh filesystem of `type` (tmpfs, proc) configured with `options`
/// ("key=value,key=value"), detached, with `set` attributes: attach it.
static long new_mount(const char *type, const char *options, unsigned long long set)
{
    long fs = RAW2(__NR_fsopen, type, CJ_FSOPEN_CLOEXEC);
    if (fs < 0) return fs;
    char buf[PATH_MAX_LEN];
    long r = 0;
    if (options && options[0]) {
        if (!c_join(buf, sizeof buf, options, "")) r = -ENAMETOOLONG;
        for (char *item = buf; r == 0 && *item;) {
            char *end = item, *value = 0;
            while (*end && *end != ',') {
                if (*end == '=' && !value) { *end = 0; value = end + 1; }
                end++;
            }
            int more = *end == ',';
            *end = 0;
            if (!value) r = -EINVAL;
            else r = RAW5(__NR_fsconfig, fs, CJ_FSCONFIG_SET_STRING, item, value, 0);
            item = more ? end + 1 : end;
        }
    }
    if (r == 0) r = RAW5(__NR_fsconfig, fs, CJ_FSCONFIG_CMD_CREATE, 0, 0, 0);
    if (r == 0) r = RAW3(__NR_fsmount, fs, CJ_FSMOUNT_CLOEXEC, set);
    RAW1(__NR_close, fs);
    return r;
}

static long mount_tmpfs(const struct cjail_mount *m, int root, const char *path)
{
    long target = open_dir_creating(root, path, O_PATH);
    if (target < 0) return target;
    long mnt = new_mount("tmpfs", m->data, CJ_MOUNT_ATTR_NOSUID | CJ_MOUNT_ATTR_NODEV);
    long r = mnt < 0 ? mnt : RAW5(__NR_move_mount, mnt, "", target, "", CJ_MOVE_MOUNT_F_EMPTY_PATH | CJ_MOVE_MOUNT_T_EMPTY_PATH);
    if (mnt >= 0) RAW1(__NR_close, mnt);
    RAW1(__NR_close, target);
    return r;
}

static long mount_proc(int root, const char *path)
{
    long target = open_dir_creating(root, path, O_PATH);
    if (target < 0) return target;
    long mnt = new_mount("proc", 0, CJ_MOUNT_ATTR_NOSUID | CJ_MOUNT_ATTR_NODEV | CJ_MOUNT_ATTR_NOEXEC);
    long r = mnt < 0 ? mnt : RAW5(__NR_move_mount, mnt, "", target, "", CJ_MOVE_MOUNT_F_EMPTY_PATH | CJ_MOVE_MOUNT_T_EMPTY_PATH);
    RAW1(__NR_close, target);
    if (r < 0) {
        if (mnt >= 0) RAW1(__NR_close, mnt);
        return r;
    }
    // Kernel knobs and triggers stay read-only even where procfs would let
    // a namespace root write them: each bound onto itself, read-only,
    // reached from the new proc mount's own fd.
    static const char *const read_only[] = { "sys", "sysrq-trigger", "irq", "bus" };
    for (unsigned i = 0; r == 0 && i < sizeof read_only / sizeof read_only[0]; i++) {
        long knob = open_beneath((int)mnt, read_only[i], O_PATH);
        if (knob == -ENOENT) continue;
        if (knob < 0) { r = knob; break; }
        long tree = RAW3(__NR_open_tree, knob, "", CJ_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
        r = tree < 0 ? tree : attach(tree, CJ_MOUNT_ATTR_RDONLY | CJ_MOUNT_ATTR_NOSUID | CJ_MOUNT_ATTR_NODEV | CJ_MOUNT_ATTR_NOEXEC, knob);
        RAW1(__NR_close, knob);
    }
    RAW1(__NR_close, mnt);
    return r;
}

/// A new regular file with exactly `m->mode` (not the umask's cut of it)
/// and the plan's bytes.
static long write_file(const struct cjail_mount *m, int root, const char *path)
{
    char name[PATH_MAX_LEN];
    long parent = open_parent_creating(root, path, name, sizeof name);
    if (parent < 0) return parent;
    long fd = RAW4(__NR_openat, parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, m->mode);
    RAW1(__NR_close, parent);
    if (fd < 0) return fd;
    long r = RAW2(__NR_fchmod, fd, m->mode);
    size_t done = 0;
    while (r >= 0 && done < m->data_len) {
        long w = RAW3(__NR_write, fd, m->data + done, m->data_len - done);
        if (w < 0) r = w;
        else done += (size_t)w;
    }
    long c = RAW1(__NR_close, fd);
    return r < 0 ? r : c;
}

static long make_symlink(const struct cjail_mount *m, int root, const char *path)
{
    char name[PATH_MAX_LEN];
    long parent = open_parent_creating(root, path, name, sizeof name);
    if (parent < 0) return parent;
    long r = RAW3(__NR_symlinkat, m->source, parent, name);
    RAW1(__NR_close, parent);
    return r;
}

static long make_dir(const struct cjail_mount *m, int root, const char *path)
{
    long fd = open_dir_creating(root, path, O_RDONLY);
    if (fd < 0) return fd;
    long r = RAW2(__NR_fchmod, fd, m->mode);
    RAW1(__NR_close, fd);
    return r;
}

/// Applies one mount entry beneath `root`, an fd of the root being built
/// (or, in stage 2, of the child's own root). Bind sources are looked up
/// beneath `host_root`, an fd of the host's root (-1 once it is gone: a
/// bind then fails).
static long apply_mount(const struct cjail_mount *m, int root, int host_root)
{
    // Targets are absolute inside the sandbox: beneath `root` without the '/'.
    const char *path = m->target;
    while (*path == '/') path++;
    if (!*path) return -EINVAL;
    switch (m->kind) {
    case CJAIL_MOUNT_BIND_RO: return bind_mount(m, root, path, host_root, 1, 0);
    case CJAIL_MOUNT_BIND_RW: return bind_mount(m, root, path, host_root, 0, 0);
    case CJAIL_MOUNT_BIND_DEV: return bind_mount(m, root, path, host_root, 0, 1);
    case CJAIL_MOUNT_BIND_DEVICES: return bind_mount(m, root, path, host_root, 1, 1);
    case CJAIL_MOUNT_TMPFS: return mount_tmpfs(m, root, path);
    case CJAIL_MOUNT_PROC: return mount_proc(root, path);
    case CJAIL_MOUNT_SYMLINK: return make_symlink(m, root, path);
    case CJAIL_MOUNT_FILE: return write_file(m, root, path);
    case CJAIL_MOUNT_DIR: return make_dir(m, root, path);
    default: return -EINVAL;
    }
}

/// Step 2: private propagation, a fresh tmpfs root holding only the plan's
/// mounts, pivot_root into it, the host root detached. The root stays
/// writable until the command's own files are in (stage 2).
///
/// No scratch mount holds the two roots side by side: with the new root as
/// the working directory, pivot_root(".", ".") stacks the host root on top
/// of it. The plan's targets are then reached relative to the working
/// directory, its bind sources through an fd of the host root opened before
/// the pivot (the host's own /tmp is no longer covered by then), and the
/// host root is detached once the mounts are in.
void child_build_root(const struct cjail_root_plan *p)
{
    CHECK(CJAIL_STEP_MOUNT_PRIVATE, RAW5(__NR_mount, 0, "/", 0, MS_REC | MS_PRIVATE, 0), 0);
    long host_root = RAW4(__NR_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    CHECK(CJAIL_STEP_ROOT_TMPFS, host_root, 0);
    CHECK(CJAIL_STEP_ROOT_TMPFS, RAW5(__NR_mount, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, p->base_tmpfs_options), 1);
    CHECK(CJAIL_STEP_PIVOT, RAW1(__NR_chdir, "/tmp"), 0);
    CHECK(CJAIL_STEP_PIVOT, RAW2(__NR_pivot_root, ".", "."), 0);

    // The new root: the working directory (the host root is stacked on
    // top of it at "/").
    long root = RAW4(__NR_openat, AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    CHECK(CJAIL_STEP_PIVOT, root, 2);
    for (int i = 0; i < p->mount_count; i++) {
        CHECK(CJAIL_STEP_MOUNT, apply_mount(&p->mounts[i], (int)root, (int)host_root), i);
    }

    RAW1(__NR_close, root);
    RAW1(__NR_close, host_root);
    CHECK(CJAIL_STEP_PIVOT, RAW2(__NR_umount2, ".", MNT_DETACH), 1);
    CHECK(CJAIL_STEP_PIVOT, RAW1(__NR_chdir, "/"), 1);
}

/// Stage 2's part of the root: the command's files, then the root itself
/// read-only (only the plan's writable mounts take writes).
void child_finish_root(const struct cjail_plan *p)
{
    long root = p->late_mount_count ? RAW4(__NR_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0) : -1;
    if (p->late_mount_count) CHECK(CJAIL_STEP_LATE_MOUNT, root, -1);
    for (int i = 0; i < p->late_mount_count; i++) {
        int kind = p->late_mounts[i].kind;
        if (kind != CJAIL_MOUNT_FILE && kind != CJAIL_MOUNT_DIR) fail(CJAIL_STEP_LATE_MOUNT, -EINVAL, i);
        CHECK(CJAIL_STEP_LATE_MOUNT, apply_mount(&p->late_mounts[i], (int)root, -1), i);
    }
    if (root >= 0) RAW1(__NR_close, root);
    CHECK(CJAIL_STEP_MOUNT, RAW5(__NR_mount, 0, "/", 0, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, 0), -1);
}
