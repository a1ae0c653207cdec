// CSupervisor: the parent's side of one running sandbox — a single poll
// loop over the child's status pipe, stdout, stderr, stdin, seccomp
// listener, pidfd and a cancel eventfd, with the wall-clock limit as the
// poll timeout.
//
// Why C: `airlock exec` must start and supervise a sandbox without paying
// for the Swift runtime's start-up (a C front end, measured at about 0.7x
// bwrap where the Swift binary alone takes 3 ms to load). Both it and the
// in-process engine (Sandbox's LaunchSupervisor) drive this one loop, so
// supervision is written once. What needs Swift (the syscall recorder, the
// cgroup's CPU counters, the process-event hub) stays with the caller: the
// loop returns an event whenever the caller has work to do, and resumes
// when called again. It never calls back.
//
// Unlike CJail's child code this runs in the parent and may allocate.
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <sys/resource.h>
#include "cjail.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One captured stream. At most `cap` bytes are kept; `total` counts what
/// the child wrote until the parent closed its end. Past the cap the parent
/// closes its end, so the writer gets EPIPE/SIGPIPE instead of making the
/// host drain a flood.
struct csup_capture {
    unsigned char *bytes;   // malloc'd as it fills; freed by csup_release
    size_t length;
    size_t capacity;
    uint64_t cap;
    uint64_t total;
    int truncated;
};

/// Why csup_step returned.
enum csup_event {
    /// The child is reaped (or could not be) and its pipes are drained or
    /// given up on: read the outcome, then csup_release.
    CSUP_FINISHED = 0,
    /// The seccomp listener has a notification for the caller to answer
    /// (or finish with csup_close_listener).
    CSUP_NOTIFICATION = 1,
    /// Time to compare the run's CPU time with its budget (csup_kill if over).
    CSUP_CPU_CHECK = 2,
    /// The child was just reaped: the caller may collect what it observed
    /// elsewhere (its descendants' exits) before the pipes are drained.
    CSUP_REAPED = 3,
    /// `watch_fd` is readable (the caller drains it and calls again).
    CSUP_WATCH = 4,
};

struct csup_run {
    // Inputs, set by csup_begin.
    struct cjail_spawned *spawned;   // its fds are taken over (closed here)
    int listener_fd;                 // -1 until the child reports one
    int cancel_fd;                   // readable: cancel (-1: none)
    const unsigned char *stdin_bytes;
    size_t stdin_length;
    uint64_t deadline_ns;            // CLOCK_MONOTONIC, as cjail_monotonic_ns
    uint64_t cpu_check_interval_ns;  // 0: no CPU budget checks
    /// One more descriptor the caller wants to hear about while the loop
    /// waits (-1, as csup_begin sets it: none). A caller without threads
    /// of its own (the C front end) drains its process-events socket here.
    int watch_fd;

    // Outcome.
    int exited;                      // reaped
    int exit_kind;                   // as cjail_wait_pidfd
    int exit_value;
    struct rusage usage;
    int timed_out;
    int cancelled;
    int has_setup_failure;
    struct cjail_status setup_failure;
    int exec_error;                  // errno of a failed execve (0: none)
    uint64_t exec_at_ns;             // 0: not seen
    uint64_t exited_at_ns;
    struct csup_capture out;
    struct csup_capture err;

    // Loop state.
    int status_fd, stdout_fd, stderr_fd, stdin_fd;
    size_t stdin_offset;
    int killed;
    int reaped_pending;
    int finished;
    uint64_t next_cpu_check_ns;
    uint64_t drain_deadline_ns;
    unsigned char *buffer;
};

/// Takes over `spawned`'s fds (after cjail_start) for one run. `stdin_bytes`
/// must stay alive until CSUP_FINISHED. Returns 0 or -ENOMEM.
int csup_begin(struct csup_run *run, struct cjail_spawned *spawned, int listener_fd, int cancel_fd,
               const unsigned char *stdin_bytes, size_t stdin_length, uint64_t wall_ns, uint64_t cpu_check_interval_ns,
               uint64_t output_cap);

/// Runs the loop until the caller has something to do (see csup_event).
int csup_step(struct csup_run *run);

/// Kills the whole sandbox (SIGKILL to its init ends its pid namespace), once.
void csup_kill(struct csup_run *run);

/// The listener is finished (the recorder saw it end): close it.
void csup_close_listener(struct csup_run *run);

/// Frees the captures and the read buffer.
void csup_release(struct csup_run *run);

#ifdef __cplusplus
}
#endif
