// CJail: the part of a launch that runs between clone and execve, plus the
// few raw-syscall shims the Swift side needs and Glibc's module hides.
//
// Why C: after clone() in a multithreaded process only async-signal-safe
// work is allowed. The child here also shares the parent's memory
// (CLONE_VM, for a fast spawn), so it must not touch errno, locks, the heap
// or TLS: it makes raw syscalls only and reads a plan the parent prepared.
// The parent (Swift) compiles everything: mount list, BPF program, Landlock
// rules, rlimits, C strings. See ../shared/DESIGN.md, "The confined child".
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <linux/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

// Constants Swift's Glibc module hides (GNU-only).
#define CJAIL_CLONE_NEWNS 0x00020000
#define CJAIL_CLONE_NEWCGROUP 0x02000000
#define CJAIL_CLONE_NEWUTS 0x04000000
#define CJAIL_CLONE_NEWIPC 0x08000000
#define CJAIL_CLONE_NEWUSER 0x10000000
#define CJAIL_CLONE_NEWPID 0x20000000
#define CJAIL_CLONE_NEWNET 0x40000000
#define CJAIL_RLIMIT_NPROC 6
#define CJAIL_RLIMIT_SIGPENDING 11
#define CJAIL_RLIMIT_MSGQUEUE 12

// ---------------------------------------------------------------------------
// The plan the child applies, in order.

/// One step of building the new root. Paths: `source` is an absolute host
/// path (looked up beneath an fd of the host root, held while the root is
/// assembled); `target` is an absolute path inside the sandbox.
enum cjail_mount_kind {
    CJAIL_MOUNT_BIND_RO = 1,   // bind source read-only (+nosuid, nodev)
    CJAIL_MOUNT_BIND_RW = 2,   // bind source writable (+nosuid, nodev)
    CJAIL_MOUNT_BIND_DEV = 3,  // bind a device node (writable, nosuid)
    CJAIL_MOUNT_TMPFS = 4,     // tmpfs at target; data = mount options
    CJAIL_MOUNT_PROC = 5,      // fresh procfs at target, /proc/sys & co read-only
    CJAIL_MOUNT_SYMLINK = 6,   // symlink target -> source (source is the link text)
    CJAIL_MOUNT_FILE = 7,      // regular file at target with data[0..data_len), mode
    CJAIL_MOUNT_DIR = 8,       // directory at target, mode
    CJAIL_MOUNT_BIND_DEVICES = 9, // bind a folder of device nodes (read-only, nosuid, devices usable)
};

struct cjail_mount {
    int kind;
    const char *source;
    const char *target;
    const char *data;       // tmpfs options, or file contents
    size_t data_len;
    unsigned int mode;      // for FILE/DIR
    int source_is_dir;      // BIND_*: the (canonical) source is a directory
};

struct cjail_rlimit {
    int resource;
    unsigned long long soft;
    unsigned long long hard;
};

/// Landlock: a path-beneath rule added by the child after pivot_root, when
/// the paths name the sandbox's own mounts.
struct cjail_landlock_path_rule {
    const char *path;
    uint64_t allowed_access;
};

/// Ruleset attributes up to ABI 6 (Debian's headers only know ABI 2).
struct cjail_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct cjail_plan;

/// Stage 1, what a child can do before its command is known: identity,
/// namespaces, the new root, its own session, the bounding and ambient
/// capability sets emptied and its Landlock rules added (not yet in force). A warm child (Sandbox's WarmPool) stops
/// after this stage and waits for its command; a cold launch runs both
/// stages back to back.
struct cjail_root_plan {
    // Identity inside the user namespace.
    unsigned int uid;
    unsigned int gid;
    int drop_supplementary_groups;   // setgroups(0) (only when the parent may allow it)
    // Until execve the child shares the host process's memory. When its
    // identity changes (Airlock as root), that memory is made non-dumpable,
    // so no process of the sandbox's host uid can read it through
    // /proc/PID/mem in the window between dropping capabilities and exec.
    int make_nondumpable;

    // uid/gid maps, written by the parent ("inside outside 1\n").
    const char *uid_map;
    const char *gid_map;
    int deny_setgroups;              // write "deny" to /proc/PID/setgroups first

    // Namespaces: CLONE_NEW* flags for clone().
    int clone_flags;
    // A fresh, never-used network namespace made ahead of time (-1: none;
    // CLONE_NEWNET in clone_flags then makes one). The spawning thread
    // enters it just around clone, so the child is born in it.
    int netns_fd;

    // Mount plan. The root stays writable after this stage: the command's
    // own files are placed in stage 2, which then makes it read-only.
    const char *base_tmpfs_options;  // options for the new root tmpfs
    const struct cjail_mount *mounts;
    int mount_count;
    const char *hostname;
    int bring_up_loopback;

    // The highest capability number (the bounding set is emptied up to it
    // in stage 1; the effective set in stage 2).
    int cap_last_cap;

    // Landlock ruleset (-1: not used) and its path rules, added in stage 1;
    // the ruleset takes effect in stage 2.
    int landlock_ruleset_fd;
    const struct cjail_landlock_path_rule *landlock_rules;
    int landlock_rule_count;

    // The per-run cgroup, joined before stage 1, so the child is in it before
    // anything of its own runs (and a warm child is already there when its
    // command comes). The cgroup's limits are the parent's to set before
    // cjail_start. v2: the parent writes the child's pid into each
    // cgroup.procs. v1: the child writes "0" into each `tasks` file itself —
    // moving the calling thread skips the global lock a pid write takes
    // (an RCU grace period, milliseconds, on every cold launch).
    const char *const *cgroup_procs_paths;
    int cgroup_procs_count;
    const char *const *cgroup_self_paths;
    int cgroup_self_count;

    // A sealed child: stage 1 goes on through seccomp with this plan (no
    // late mounts; its limits, filter and flags), reports its listener,
    // then READY; stage 2 is only chdir and execve. NULL: stage 2 does it.
    const struct cjail_plan *seal;
};

/// Stage 2, the command: its files, limits, cwd, privileges dropped,
/// Landlock in force, seccomp, execve.
struct cjail_plan {
    // Files and directories placed in the (still writable) new root, paths
    // absolute inside the sandbox. Only CJAIL_MOUNT_FILE and CJAIL_MOUNT_DIR.
    const struct cjail_mount *late_mounts;
    int late_mount_count;

    // The cgroup namespace is made by the child itself (unshare) once the
    // parent has moved it into its per-run cgroup, so that the namespace is
    // rooted there.
    int unshare_cgroup_ns;

    // Limits.
    const struct cjail_rlimit *rlimits;
    int rlimit_count;

    // Seccomp (filter_len == 0: not used; refused by the Swift side).
    const struct sock_filter *filter;
    unsigned short filter_len;
    unsigned int seccomp_flags;

    // Exec.
    const char *workdir;
    const char *const *exec_candidates;  // absolute paths tried in order
    int exec_candidate_count;
    char *const *argv;
    char *const *envp;
};

// ---------------------------------------------------------------------------
// Spawning.

/// Which setup step failed in the child (reported through the status pipe).
enum cjail_step {
    CJAIL_STEP_OK = 0,
    CJAIL_STEP_SYNC = 1,
    CJAIL_STEP_IDENTITY = 2,
    CJAIL_STEP_MOUNT_PRIVATE = 3,
    CJAIL_STEP_ROOT_TMPFS = 4,
    CJAIL_STEP_PIVOT = 5,
    CJAIL_STEP_MOUNT = 6,
    CJAIL_STEP_HOSTNAME = 7,
    CJAIL_STEP_LOOPBACK = 8,
    CJAIL_STEP_WORKDIR = 9,
    CJAIL_STEP_RLIMIT = 10,
    CJAIL_STEP_SESSION = 11,
    CJAIL_STEP_FDS = 12,
    CJAIL_STEP_CAPS = 13,
    CJAIL_STEP_NO_NEW_PRIVS = 14,
    CJAIL_STEP_LANDLOCK = 15,
    CJAIL_STEP_SECCOMP = 16,
    CJAIL_STEP_LISTENER = 17,   // not a failure: "listener is fd N"
    CJAIL_STEP_EXEC = 18,
    CJAIL_STEP_SIGNALS = 19,
    CJAIL_STEP_MOUNT_MISSING = 20, // not a failure: an optional bind source was absent
    CJAIL_STEP_READY = 21,      // not a failure: stage 1 done, waiting for the command
    CJAIL_STEP_LATE_MOUNT = 22,
};

/// One message on the status pipe: 16 bytes, written atomically.
struct cjail_status {
    int32_t step;
    int32_t error;    // positive errno
    int32_t index;    // mount index, rlimit index, fd number...
    int32_t reserved;
};

struct cjail_spawned {
    pid_t pid;
    int pidfd;
    int stdin_fd;    // parent's write end (nonblocking, cloexec), -1 when closed
    int stdout_fd;   // parent's read end (nonblocking, cloexec)
    int stderr_fd;
    int status_fd;   // parent's read end of the status pipe (cloexec)
    int sync_fd;     // parent's write end of the go pipe; closed by cjail_start
    /// The child's mount namespace, held open so that its teardown (every
    /// mount of the new root) happens when the parent closes this, after the
    /// result is out, instead of inside the child's exit. -1 if not held.
    int mount_ns_fd;
    void *stack;     // the child's stack; hand back with cjail_release_stack after exec/exit
};

/// Stage 1: clones the child into fresh namespaces, writes its id maps,
/// puts it in its cgroups and lets it build its root. The child then reports CJAIL_STEP_READY on the
/// status pipe and waits for cjail_start. Returns 0, or -errno with
/// *failed_step set. The root plan must stay alive until the child has
/// exec'd or exited (status pipe EOF): stage 2 still reads its seal and
/// its Landlock ruleset fd.
int cjail_prepare(const struct cjail_root_plan *root, int want_stdin, struct cjail_spawned *out, int *failed_step);

/// Stage 2: hands the child `plan`. The plan
/// must stay alive and unchanged until the child has exec'd or exited
/// (status pipe EOF). Returns 0, or -errno with *failed_step set (the child
/// is then killed).
int cjail_start(struct cjail_spawned *spawned, const struct cjail_plan *plan, int *failed_step);

/// Hands the child's stack to a later launch (a few are kept, the rest
/// unmapped). Only once the child can no longer run on it: it has exec'd
/// (its status pipe reached EOF) or it has been reaped.
void cjail_release_stack(struct cjail_spawned *spawned);

/// Writes a file into a waiting child's root at `path` (relative to that
/// root, e.g. "run/airlock/token"): created exclusively, never through a
/// link, owned by uid:gid with exactly `mode`. A sealed child's root is
/// read-only already, so only a mount of its own that stays writable (its
/// injected-files tmpfs) takes one. Returns 0 or -errno.
int cjail_place_file(int pid, const char *path, const void *data, size_t len, unsigned int mode, unsigned int uid,
                     unsigned int gid);

// ---------------------------------------------------------------------------
// Shims for the parent (Swift). Each returns -errno on failure.

int cjail_landlock_abi(void);
int cjail_landlock_create_ruleset(const struct cjail_landlock_ruleset_attr *attr, size_t size);
int cjail_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port);
int cjail_memfd_create(const char *name);
int cjail_pidfd_send_signal(int pidfd, int sig);
int cjail_pidfd_getfd(int pidfd, int targetfd);
/// waitid(P_PIDFD) with rusage. *status_kind: 1 exited, 2 killed, 3 dumped.
int cjail_wait_pidfd(int pidfd, int *status_kind, int *status_value, struct rusage *usage);
int cjail_eventfd(void);
/// Creates a new network namespace on the calling thread and returns an fd
/// for it, leaving the thread in its original namespace. With
/// bring_up_loopback, `lo` is up in it.
int cjail_netns_create(int bring_up_loopback);
int cjail_seccomp_probe_actions(void);

// Seccomp user notification, observed by the parent.
struct cjail_notification {
    uint64_t id;
    uint32_t pid;
    int32_t nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
};

/// Sizes the kernel uses for its notification structs (they may grow).
int cjail_notify_init(void);
int cjail_notify_set_sync_wakeup(int listener_fd);
int cjail_notify_receive(int listener_fd, struct cjail_notification *out);
/// error == 0 with continue_call: let it run. Otherwise fail it with -error.
int cjail_notify_respond(int listener_fd, uint64_t id, int error, int continue_call);
int cjail_notify_id_valid(int listener_fd, uint64_t id);
/// Reads up to len bytes of the target's memory at addr (process_vm_readv).
ssize_t cjail_read_memory(pid_t pid, uint64_t addr, void *buffer, size_t len);

/// The nice value of thread `tid` (0: the calling thread), or ≤ -1000 on error.
int cjail_nice_of_thread(int tid);
/// Sets thread `tid`'s nice value (0: the calling thread). Lowering it
/// needs CAP_SYS_NICE on the host.
int cjail_set_nice(int tid, int nice);

// ---------------------------------------------------------------------------
// Process events (proc_events.c): how a sandbox's descendants ended.

enum { CJAIL_PROC_FORK = 1, CJAIL_PROC_EXIT = 2 };

struct cjail_proc_event {
    int what;         // CJAIL_PROC_FORK or CJAIL_PROC_EXIT
    int pid;          // host pid of the new task (fork) or the exiting task (exit)
    int tgid;         // its thread group (process) id
    int parent_tgid;  // fork: the process that forked
    int exit_code;    // exit: the wait status (low 7 bits: the killing signal)
    unsigned long long timestamp_ns;  // when it happened, on CLOCK_MONOTONIC
};

/// CLOCK_MONOTONIC in nanoseconds: the clock of process events' timestamps.
unsigned long long cjail_monotonic_ns(void);

/// A non-blocking socket subscribed to the host's fork and exit events, or
/// -errno (EPERM without CAP_NET_ADMIN; EPROTONOSUPPORT without the connector).
int cjail_proc_events_open(void);
/// Reads up to `max` queued fork/exit events; 0 when none is waiting.
/// Sets *lost when the kernel dropped some (the socket overflowed).
int cjail_proc_events_read(int fd, struct cjail_proc_event *out, int max, int *lost);

#ifdef __cplusplus
}
#endif
