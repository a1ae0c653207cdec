// CLaunchImage: a planned launch saved to a file, so that the next
// `airlock exec` with the same options starts from it without the Swift
// runtime (see Sources/airlock, the C front end, and DESIGN.md's
// "Launch images").
//
// The Swift side plans a launch (profile, mounts, seccomp program, Landlock
// rules, cgroup, limits) and, once it ran, saves the plan here under a key
// made of everything the planning depended on: the options before `--`,
// the working directory, the environment, the user, and the identity
// (inode, times, size) of every file and folder it read. The front end
// recomputes the key, checks every fingerprint and the boot id, and only
// then runs the saved plan with the command after `--`. Anything that does
// not match is a miss: the front end hands the whole command line to the
// Swift CLI, which plans afresh and saves a new image.
//
// An image holds no secret: no environment of the caller (only a digest of
// it is in the key), no credential, no request file. It lives in a folder
// only its user can reach (0700, owned by the user), and is read back only
// when it is owned by that user and unreadable to anyone else.
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include "cjail.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), for the image key.

struct claunch_sha256 {
    uint32_t state[8];
    uint64_t length;
    unsigned char block[64];
    size_t filled;
};

void claunch_sha256_init(struct claunch_sha256 *ctx);
void claunch_sha256_update(struct claunch_sha256 *ctx, const void *data, size_t length);
void claunch_sha256_final(struct claunch_sha256 *ctx, unsigned char digest[32]);
void claunch_sha256(const void *data, size_t length, unsigned char digest[32]);

// ---------------------------------------------------------------------------
// The key: what must be equal for a saved plan to be this launch's plan.

/// What, besides the files it read, a plan depends on: the command line
/// up to its command, where and by whom it runs.
struct claunch_caller {
    /// From "exec" up to and including "--".
    const char *const *options;
    int32_t option_count;
    /// argv[0] as given (the CLI looks for profiles near it).
    const char *program;
    /// The airlock-cli that plans: the front end's sibling. Two installs
    /// sharing an image folder never run each other's plans.
    const char *cli;
    const char *const *environment;
    const char *cwd;
};

/// Digest of `caller`, plus this process's real and effective user and
/// group and its supplementary groups (which cgroup folders it may write,
/// for one). Both the Swift writer and the front end call this, in the same
/// process identity (the front end execs the CLI), so the two can never
/// disagree on what a key covers. The environment counts as a set.
void claunch_image_key(const struct claunch_caller *caller, unsigned char key[32]);

/// The secret images are sealed with, from the user's kernel keyring
/// (made there when `create` and missing). 0, or -errno: without it no
/// image is written or read (every launch then goes through the CLI).
int claunch_mac_secret(int create, unsigned char secret[16]);

/// SipHash-2-4 of `data` under `secret`.
uint64_t claunch_siphash(const unsigned char secret[16], const void *data, size_t length);

/// The folder of this user's launch images, written into `out` (NUL
/// terminated). Returns 0, or -ENOENT when the user has none (no HOME, or
/// AIRLOCK_LAUNCH_CACHE=off). AIRLOCK_LAUNCH_CACHE=/abs/folder overrides
/// it; root's is /var/cache/airlock/launch, others'
/// $XDG_CACHE_HOME/airlock/launch or $HOME/.cache/airlock/launch.
int claunch_cache_folder(const char *const *environment, uint32_t uid, char *out, size_t size);

/// The image file's name for `key` within the folder: 64 hex digits + ".img".
void claunch_image_name(const unsigned char key[32], char out[69]);

// ---------------------------------------------------------------------------
// What an image holds.

/// The identity of a path the planning read (lstat: a symlink is itself).
/// A path that was absent is recorded as absent and must still be.
///
/// A file the plan was read from (a profile, its folder) must be unchanged
/// in every way. A path the plan only names (a bind's source and the
/// folders above it) must still be the same inode with the same type,
/// mode and owner (`identity_only`): what is inside it is read at launch,
/// not planned, and a folder like /tmp changes its times all day. A file
/// that is read through its symlinks (a profile may be a link) is taken
/// both ways: once as itself (`follow` 0) and once as what it leads to.
struct claunch_fingerprint {
    const char *path;
    int32_t identity_only;
    int32_t follow;
    int32_t present;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint64_t dev;
    uint64_t ino;
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    int64_t ctime_sec, ctime_nsec;
};

/// Takes the fingerprint of `path` now (through its symlinks when
/// `follow`). Returns 0 (present or absent), or -errno when the stat
/// failed otherwise.
int claunch_fingerprint_take(const char *path, int follow, struct claunch_fingerprint *out);

/// 1 when `path` still has fingerprint `expected`.
int claunch_fingerprint_matches(const struct claunch_fingerprint *expected);

/// One folder the run's cgroup is made in (v1: one per hierarchy; v2 one).
struct claunch_cgroup_folder {
    const char *parent;     // e.g. /sys/fs/cgroup/memory/airlock
    int32_t child_joins;    // v1: the child writes "0" into <run>/tasks itself
    int32_t parent_joins;   // v2: the parent writes the child's pid into <run>/cgroup.procs
};

/// A limit written into a run's cgroup before the child starts, in order.
struct claunch_cgroup_write {
    int32_t folder;         // index into the folders
    const char *file;
    const char *value;
};

/// What a counter means (see RunCgroup.Usage).
enum claunch_counter_kind {
    CLAUNCH_COUNTER_PEAK_MEMORY = 1,
    CLAUNCH_COUNTER_MEMORY_LIMIT_HITS = 2,
    CLAUNCH_COUNTER_OOM_KILLS = 3,
    CLAUNCH_COUNTER_PIDS_LIMIT_HITS = 4,
    CLAUNCH_COUNTER_CPU_NS = 5,
};

/// Where a counter is read: the file's first number (key NULL) or the
/// number after `key` on a "key value" line, times `scale`.
struct claunch_cgroup_counter {
    int32_t kind;
    int32_t folder;
    const char *file;
    const char *key;
    uint64_t scale;
};

/// The limits in force, for limit hits' evidence and the supervision.
struct claunch_limits {
    double wall_seconds;
    uint64_t cpu_seconds;
    uint64_t memory_bytes;
    uint64_t processes;
    uint64_t output_bytes;
    uint64_t file_size_bytes;
};

struct claunch_image {
    /// Stage 1, as planned: no network namespace made ahead (clone makes
    /// it), no Landlock ruleset fd (made from `landlock_attr` per launch),
    /// no cgroup paths (the run's cgroup is made per launch), not sealed.
    struct cjail_root_plan root;
    /// Stage 2 without its command: argv and exec candidates are the
    /// launch's own.
    struct cjail_plan plan;
    /// PATH inside the sandbox, for the command's exec candidates.
    const char *exec_path;

    /// The Landlock ruleset's handled rights (a fresh ruleset per launch:
    /// the child adds its path rules to it).
    struct cjail_landlock_ruleset_attr landlock_attr;

    /// What claunch_cgroup_probe said when the launch was planned: the
    /// front end runs the image only while it still says so.
    int32_t probed_cgroup_version;
    uint32_t probed_cgroup_controllers;
    int32_t cgroup_version;   // 0: no cgroup; 1 or 2
    const struct claunch_cgroup_folder *cgroup_folders;
    int32_t cgroup_folder_count;
    const struct claunch_cgroup_write *cgroup_writes;
    int32_t cgroup_write_count;
    const struct claunch_cgroup_counter *cgroup_counters;
    int32_t cgroup_counter_count;
    int32_t cgroup_counts_cpu;

    /// The seccomp listener's answers (CSupervisor's verdict table).
    const void *verdicts;
    uint64_t verdicts_length;

    struct claunch_limits limits;
    uint64_t cpu_budget_ns;          // 0: no CPU budget checks
    uint64_t cpu_check_interval_ns;

    const struct claunch_fingerprint *fingerprints;
    int32_t fingerprint_count;
};

/// Serialises `image` (deep: every string and array it points to) under
/// `key`, for this boot, sealed with `secret`. Returns 0 with a malloc'd
/// buffer in *bytes, or -EINVAL for an image no front end may run (a
/// sealed root, cgroup paths or a network namespace fd of one launch, a
/// command already set).
int claunch_image_encode(const struct claunch_image *image, const unsigned char key[32], const unsigned char secret[16],
                         void **bytes, size_t *length);

/// Checks the seal and relocates an image read into `bytes` (modified in
/// place and pointed into by *image: keep it alive). Returns 0, or -EINVAL
/// for a damaged, forged or foreign image, -ESTALE for another key or boot.
int claunch_image_decode(void *bytes, size_t length, const unsigned char key[32], const unsigned char secret[16],
                         const struct claunch_image **image);

/// A Landlock ruleset for `attr`, sized for the fields it uses (a kernel
/// that predates a field refuses a size that includes it). Returns the fd
/// or -errno.
int claunch_landlock_ruleset(const struct cjail_landlock_ruleset_attr *attr);

/// Where execve looks for `command`, like execvp: the command itself when
/// it has a slash, else each absolute folder of `path` (colon-separated)
/// joined with it. Writes up to `max` pointers into `out`, each into
/// `storage` (NUL-terminated, `storage_size` bytes in all). Returns the
/// count, or -ENAMETOOLONG when `storage` or `max` is too small.
int claunch_exec_candidates(const char *command, const char *path, char *storage, size_t storage_size, const char **out,
                            int max);

/// The cgroup hierarchy this host mounts at /sys/fs/cgroup (0: none, 1 or
/// 2) and, in *usable, which of the controllers Airlock uses it may manage:
/// bit i for memory, pids, cpu, cpuacct (v1's cpuacct counts a run's CPU
/// time as a whole; v2 counts it in every cgroup). HostCapabilities plans
/// by it, and the front end asks again before it runs a saved plan.
int claunch_cgroup_probe(uint32_t *usable);

/// The path of the shared library that holds `function`. 0 or -errno.
int claunch_library_of(const void *function, char *out, size_t size);

/// The boot's id (/proc/sys/kernel/random/boot_id), 36 characters + NUL.
int claunch_boot_id(char out[40]);

#ifdef __cplusplus
}
#endif
