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
#include <sys/statfs.h>
#include <sys/statvfs.h>

/// Where the plan's targets are reached while the root is assembled: the
/// working directory, which is the new root (see `child_build_root`).
#define ASSEMBLY_ROOT "."

/// mkdir -p for a path in the root being built, "./a/b" while it is
/// assembled or "/a/b" once it is the root (components created 0755,
/// EEXIST is fine).
/// Most parents exist already (a root has a handful of top folders), so the
/// whole path is tried first and the walk goes up only as far as the first
/// folder that exists: one mkdir per mount instead of one per component.
static long make_dirs(const char *path)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path);
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    for (size_t i = 0; i <= n; i++) buf[i] = path[i];
    // Up: cut the path at its last '/' while the folder above is missing.
    size_t end = n;
    for (;;) {
        long r = RAW3(__NR_mkdirat, AT_FDCWD, buf, 0755);
        if (r == 0 || r == -EEXIST) break;
        if (r != -ENOENT) return r;
        size_t cut = end;
        while (cut > 0 && buf[cut] != '/') cut--;
        if (cut == 0) return r;
        buf[cut] = 0;
        end = cut;
    }
    // Down: put each cut back and create the folder it ends.
    while (end < n) {
        buf[end] = '/';
        while (end < n && buf[end] != 0) end++;
        long r = RAW3(__NR_mkdirat, AT_FDCWD, buf, 0755);
        if (r < 0 && r != -EEXIST) return r;
    }
    return 0;
}

static long make_parent_dirs(const char *path)
{
    char buf[PATH_MAX_LEN];
    size_t n = c_strlen(path);
    if (n + 1 > sizeof buf) return -ENAMETOOLONG;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i] = path[i];
        if (path[i] == '/') last = i;
    }
    if (last == 0) return 0;
    buf[last] = 0;
    return make_dirs(buf);
}

/// Opens `path` with O_CREAT; its folders are made only when the open says
/// one is missing. Most parents exist already (the root's top folders, a
/// mount point such as /dev), so this saves a failing mkdir per entry.
static long create_file(const char *path, int flags, unsigned int mode)
{
    long fd = RAW4(__NR_openat, AT_FDCWD, path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd != -ENOENT) return fd;
    long r = make_parent_dirs(path);
    if (r < 0) return r;
    return RAW4(__NR_openat, AT_FDCWD, path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
}

/// An empty regular file to bind a non-directory onto.
static long make_file(const char *path, unsigned int mode)
{
    long fd = create_file(path, O_WRONLY, mode);
    if (fd < 0) return fd;
    RAW1(__NR_close, fd);
    return 0;
}

/// The flags a bind remount must keep: in a user namespace the source's
/// nosuid/nodev/noexec/atime flags are locked, and dropping one is EPERM.
static unsigned long locked_flags(const char *path)
{
    struct statfs sfs;
    if (RAW2(__NR_statfs, path, &sfs) < 0) return 0;
    unsigned long flags = 0;
    if (sfs.f_flags & ST_NOSUID) flags |= MS_NOSUID;
    if (sfs.f_flags & ST_NODEV) flags |= MS_NODEV;
    if (sfs.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sfs.f_flags & ST_NOATIME) flags |= MS_NOATIME;
    if (sfs.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sfs.f_flags & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

struct open_how_v0 {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

/// Binds the host path `m->source` (canonical: the parent resolved it and
/// refused symlinks a sandbox could have planted) at `target`. The source
/// is opened with RESOLVE_NO_SYMLINKS, so a symlink swapped in after the
/// parent's check fails the launch instead of redirecting the bind, and the
/// mount is cloned from that fd (open_tree + move_mount), never re-resolved.
static long bind_mount(const struct cjail_mount *m, const char *target, int host_root, int read_only, int device)
{
    if (host_root < 0 || m->source[0] != '/') return -EINVAL;
    // Relative to the host root's fd ("." for the root itself).
    const char *source = m->source[1] ? m->source + 1 : ".";
    long r = m->source_is_dir ? make_dirs(target) : make_file(target, 0444);
    if (r < 0) return r;
    struct open_how_v0 how = { O_PATH | O_CLOEXEC, 0, CJ_RESOLVE_NO_SYMLINKS };
    long fd = RAW4(__NR_openat2, host_root, source, &how, sizeof how);
    if (fd < 0) return fd;
    // Not AT_RECURSIVE: submounts of a source are never exposed (and a
    // source with locked submounts fails closed with EINVAL).
    long tree = RAW3(__NR_open_tree, fd, "", CJ_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
    RAW1(__NR_close, fd);
    if (tree < 0) return tree;
    r = RAW5(__NR_move_mount, tree, "", AT_FDCWD, target, CJ_MOVE_MOUNT_F_EMPTY_PATH);
    RAW1(__NR_close, tree);
    if (r < 0) return r;
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | locked_flags(target);
    if (!device) flags |= MS_NODEV;
    if (read_only) flags |= MS_RDONLY;
    return RAW5(__NR_mount, 0, target, 0, flags, 0);
}

static long remount_read_only(const char *path)
{
    long r = RAW5(__NR_mount, path, path, 0, MS_BIND, 0);
    if (r < 0) return r;
    return RAW5(__NR_mount, 0, path, 0, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), 0);
}

static long mount_proc(const char *target)
{
    long r = make_dirs(target);
    if (r < 0) return r;
    r = RAW5(__NR_mount, "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
    if (r < 0) return r;
    // Kernel knobs and triggers stay read-only even where procfs would let
    // a namespace root write them.
    static const char *const read_only[] = { "/sys", "/sysrq-trigger", "/irq", "/bus" };
    for (unsigned i = 0; i < sizeof read_only / sizeof read_only[0]; i++) {
        char path[PATH_MAX_LEN];
        if (!c_join(path, sizeof path, target, read_only[i])) return -ENAMETOOLONG;
        r = remount_read_only(path);
        if (r < 0 && r != -ENOENT) return r;
    }
    return 0;
}

static long write_file(const struct cjail_mount *m, const char *target)
{
    long fd = create_file(target, O_WRONLY | O_EXCL, m->mode);
    if (fd < 0) return fd;
    size_t done = 0;
    while (done < m->data_len) {
        long w = RAW3(__NR_write, fd, m->data + done, m->data_len - done);
        if (w < 0) { RAW1(__NR_close, fd); return w; }
        done += (size_t)w;
    }
    return RAW1(__NR_close, fd);
}

/// Applies one mount entry at `root` + its target (ASSEMBLY_ROOT while the
/// root is assembled, "" once it is the child's own root). Bind sources are
/// looked up beneath `host_root`, an fd of the host's root (-1 once it is
/// gone: a bind then fails).
static long apply_mount(const struct cjail_mount *m, const char *root, int host_root)
{
    char target[PATH_MAX_LEN];
    if (!c_join(target, sizeof target, root, m->target)) return -ENAMETOOLONG;
    switch (m->kind) {
    case CJAIL_MOUNT_BIND_RO: return bind_mount(m, target, host_root, 1, 0);
    case CJAIL_MOUNT_BIND_RW: return bind_mount(m, target, host_root, 0, 0);
    case CJAIL_MOUNT_BIND_DEV: return bind_mount(m, target, host_root, 0, 1);
    case CJAIL_MOUNT_BIND_DEVICES: return bind_mount(m, target, host_root, 1, 1);
    case CJAIL_MOUNT_TMPFS: {
        long r = make_dirs(target);
        if (r < 0) return r;
        return RAW5(__NR_mount, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, m->data);
    }
    case CJAIL_MOUNT_PROC: return mount_proc(target);
    case CJAIL_MOUNT_SYMLINK: {
        // Folders only when the link's own call says one is missing (as
        // in create_file).
        long r = RAW3(__NR_symlinkat, m->source, AT_FDCWD, target);
        if (r != -ENOENT) return r;
        r = make_parent_dirs(target);
        if (r < 0) return r;
        return RAW3(__NR_symlinkat, m->source, AT_FDCWD, target);
    }
    case CJAIL_MOUNT_FILE: return write_file(m, target);
    case CJAIL_MOUNT_DIR: {
        long r = make_dirs(target);
        if (r < 0) return r;
        return RAW4(__NR_fchmodat, AT_FDCWD, target, m->mode, 0);
    }
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

    for (int i = 0; i < p->mount_count; i++) {
        CHECK(CJAIL_STEP_MOUNT, apply_mount(&p->mounts[i], ASSEMBLY_ROOT, (int)host_root), i);
    }

    RAW1(__NR_close, host_root);
    CHECK(CJAIL_STEP_PIVOT, RAW2(__NR_umount2, ".", MNT_DETACH), 1);
    CHECK(CJAIL_STEP_PIVOT, RAW1(__NR_chdir, "/"), 1);
}

/// Stage 2's part of the root: the command's files, then the root itself
/// read-only (only the plan's writable mounts take writes).
void child_finish_root(const struct cjail_plan *p)
{
    for (int i = 0; i < p->late_mount_count; i++) {
        int kind = p->late_mounts[i].kind;
        if (kind != CJAIL_MOUNT_FILE && kind != CJAIL_MOUNT_DIR) fail(CJAIL_STEP_LATE_MOUNT, -EINVAL, i);
        CHECK(CJAIL_STEP_LATE_MOUNT, apply_mount(&p->late_mounts[i], "", -1), i);
    }
    CHECK(CJAIL_STEP_MOUNT, RAW5(__NR_mount, 0, "/", 0, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, 0), -1);
}
