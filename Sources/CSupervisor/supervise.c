// The parent's poll loop over one running sandbox (see csupervisor.h).
#define _GNU_SOURCE
#include "csupervisor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { READ_BUFFER = 65536 };
/// Once the child is reaped, everything in its pid namespace is dead: the
/// pipes get this long to report EOF, no more.
static const uint64_t drain_grace_ns = 500000000ull;
/// Once killed, the reap is awaited in steps of this: a past deadline or
/// CPU check must not turn the loop into a busy one.
static const uint64_t killed_wait_ns = 100000000ull;

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void capture_init(struct csup_capture *capture, uint64_t cap)
{
    memset(capture, 0, sizeof *capture);
    capture->cap = cap;
}

/// Keeps what fits under the cap; counts everything.
static int capture_append(struct csup_capture *capture, const unsigned char *bytes, size_t count)
{
    capture->total += count;
    if (capture->total > capture->cap) capture->truncated = 1;
    uint64_t room = capture->cap > capture->length ? capture->cap - capture->length : 0;
    size_t keep = count < room ? count : (size_t)room;
    if (keep == 0) return 0;
    if (capture->length + keep > capture->capacity) {
        size_t wanted = capture->capacity ? capture->capacity : 65536;
        while (wanted < capture->length + keep) wanted *= 2;
        if (wanted > capture->cap) wanted = (size_t)capture->cap;
        unsigned char *grown = realloc(capture->bytes, wanted);
        if (!grown) {
            // What can't be kept is reported as cut off, never dropped unsaid.
            capture->truncated = 1;
            return -ENOMEM;
        }
        capture->bytes = grown;
        capture->capacity = wanted;
    }
    memcpy(capture->bytes + capture->length, bytes, keep);
    capture->length += keep;
    return 0;
}

int csup_begin(struct csup_run *run, struct cjail_spawned *spawned, int listener_fd, int cancel_fd,
               const unsigned char *stdin_bytes, size_t stdin_length, uint64_t wall_ns, uint64_t cpu_check_interval_ns,
               uint64_t output_cap)
{
    memset(run, 0, sizeof *run);
    run->spawned = spawned;
    run->listener_fd = listener_fd;
    run->cancel_fd = cancel_fd;
    run->watch_fd = -1;
    run->stdin_bytes = stdin_bytes;
    run->stdin_length = stdin_length;
    run->status_fd = spawned->status_fd;
    run->stdout_fd = spawned->stdout_fd;
    run->stderr_fd = spawned->stderr_fd;
    run->stdin_fd = spawned->stdin_fd;
    spawned->status_fd = spawned->stdout_fd = spawned->stderr_fd = spawned->stdin_fd = -1;
    uint64_t now = cjail_monotonic_ns();
    run->deadline_ns = now + wall_ns;
    run->cpu_check_interval_ns = cpu_check_interval_ns;
    run->next_cpu_check_ns = cpu_check_interval_ns ? now + cpu_check_interval_ns : UINT64_MAX;
    if (listener_fd >= 0) run->exec_at_ns = now;
    capture_init(&run->out, output_cap);
    capture_init(&run->err, output_cap);
    // Not zero-filled: only what read() returns is ever looked at.
    run->buffer = malloc(READ_BUFFER);
    return run->buffer ? 0 : -ENOMEM;
}

void csup_kill(struct csup_run *run)
{
    if (!run->killed) (void)cjail_pidfd_send_signal(run->spawned->pidfd, SIGKILL);
    run->killed = 1;
}

void csup_close_listener(struct csup_run *run)
{
    close_fd(&run->listener_fd);
}

void csup_release(struct csup_run *run)
{
    free(run->out.bytes);
    free(run->err.bytes);
    free(run->buffer);
    run->out.bytes = run->err.bytes = run->buffer = NULL;
}

static int has_exited(int pidfd)
{
    struct pollfd watch = { .fd = pidfd, .events = POLLIN };
    return poll(&watch, 1, 0) > 0 && (watch.revents & POLLIN);
}

/// Reads one status message; 0 at EOF.
static int read_status(struct csup_run *run)
{
    struct cjail_status status;
    ssize_t n = read(run->status_fd, &status, sizeof status);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    if (n != (ssize_t)sizeof status) return 0;
    switch (status.step) {
    case CJAIL_STEP_LISTENER: {
        int fd = cjail_pidfd_getfd(run->spawned->pidfd, status.index);
        if (fd >= 0) {
            (void)cjail_notify_set_sync_wakeup(fd);
            run->listener_fd = fd;
        } else {
            // Without the listener the child's execve would wait forever:
            // fail closed, kill it.
            run->has_setup_failure = 1;
            run->setup_failure = (struct cjail_status){ .step = status.step, .error = -fd, .index = status.index };
            (void)cjail_pidfd_send_signal(run->spawned->pidfd, SIGKILL);
        }
        break;
    }
    case CJAIL_STEP_EXEC:
        run->exec_error = status.error;
        break;
    case CJAIL_STEP_READY:
        break;  // a cold launch's root is built; its command follows
    default:
        run->has_setup_failure = 1;
        run->setup_failure = status;
    }
    return 1;
}

/// Reads what a stream has; 0 once it is finished (EOF or error).
static int drain(struct csup_run *run, int fd, struct csup_capture *capture)
{
    ssize_t n = read(fd, run->buffer, READ_BUFFER);
    if (n > 0) {
        (void)capture_append(capture, run->buffer, (size_t)n);  // a failure marks it truncated
        return 1;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/// Writes more of stdin; 0 once it is all written or the reader is gone.
static int feed_stdin(struct csup_run *run)
{
    if (!run->stdin_bytes || run->stdin_offset >= run->stdin_length) return 0;
    size_t left = run->stdin_length - run->stdin_offset;
    ssize_t n = write(run->stdin_fd, run->stdin_bytes + run->stdin_offset, left < 65536 ? left : 65536);
    if (n > 0) {
        run->stdin_offset += (size_t)n;
        return run->stdin_offset < run->stdin_length;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void reap(struct csup_run *run)
{
    run->exited = 1;
    run->exited_at_ns = cjail_monotonic_ns();
    run->drain_deadline_ns = run->exited_at_ns + drain_grace_ns;
    close_fd(&run->stdin_fd);
    // Every writer of the status pipe is gone: read what is left.
    while (run->status_fd >= 0 && read_status(run)) {}
    close_fd(&run->status_fd);
    run->reaped_pending = 1;
}

/// After the loop: what is still open is closed, and a child not yet reaped
/// is killed and waited for (its stack may only be reused once it is gone).
static int finish(struct csup_run *run)
{
    close_fd(&run->status_fd);
    close_fd(&run->stdout_fd);
    close_fd(&run->stderr_fd);
    close_fd(&run->stdin_fd);
    close_fd(&run->listener_fd);
    if (!run->exited) {
        csup_kill(run);
        run->exited = cjail_wait_pidfd(run->spawned->pidfd, &run->exit_kind, &run->exit_value, &run->usage) == 0;
    }
    run->finished = 1;
    return CSUP_FINISHED;
}

int csup_step(struct csup_run *run)
{
    if (run->finished) return CSUP_FINISHED;
    if (run->reaped_pending) {
        run->reaped_pending = 0;
        return CSUP_REAPED;
    }
    for (;;) {
        uint64_t now = cjail_monotonic_ns();
        // A child that exited just as the deadline passed (its exit not yet
        // read) ran within its limit: not a wall-clock kill.
        if (!run->exited && now >= run->deadline_ns && !run->timed_out && !has_exited(run->spawned->pidfd)) {
            run->timed_out = 1;
            csup_kill(run);
        }
        if (!run->exited && !run->killed && now >= run->next_cpu_check_ns) {
            run->next_cpu_check_ns = now + run->cpu_check_interval_ns;
            return CSUP_CPU_CHECK;
        }
        if (run->exited && run->stdout_fd < 0 && run->stderr_fd < 0) return finish(run);
        if (run->exited && now >= run->drain_deadline_ns) {
            // A writer outside the pid namespace (an end passed out over a
            // socket) still holds a pipe: what it has not sent is cut off,
            // and the result must say so.
            if (run->stdout_fd >= 0) run->out.truncated = 1;
            if (run->stderr_fd >= 0) run->err.truncated = 1;
            return finish(run);
        }

        struct pollfd fds[8];
        nfds_t count = 0;
#define WATCH(fd_, events_) do { if ((fd_) >= 0) fds[count++] = (struct pollfd){ .fd = (fd_), .events = (events_) }; } while (0)
        // Once the listener is ours, the status pipe can only carry an exec
        // failure just before the child exits: it is read after the exit
        // instead of costing a wake-up at every exec.
        if (run->listener_fd < 0) WATCH(run->status_fd, POLLIN);
        WATCH(run->stdout_fd, POLLIN);
        WATCH(run->stderr_fd, POLLIN);
        WATCH(run->stdin_fd, POLLOUT);
        WATCH(run->listener_fd, POLLIN);
        if (!run->exited) WATCH(run->spawned->pidfd, POLLIN);
        WATCH(run->cancel_fd, POLLIN);
        WATCH(run->watch_fd, POLLIN);
#undef WATCH

        uint64_t limit;
        if (run->exited) limit = run->drain_deadline_ns;
        else if (run->killed) limit = now + killed_wait_ns;
        else limit = run->deadline_ns < run->next_cpu_check_ns ? run->deadline_ns : run->next_cpu_check_ns;
        uint64_t wait_ms = limit > now ? (limit - now + 999999) / 1000000 : 0;
        int ready = poll(fds, count, wait_ms > 600000 ? 600000 : (int)wait_ms);
        if (ready < 0 && errno != EINTR) return finish(run);

        int notification = 0, watched = 0;
        for (nfds_t i = 0; ready > 0 && i < count; i++) {
            if (!fds[i].revents) continue;
            int fd = fds[i].fd;
            if (fd == run->status_fd) {
                if (!read_status(run)) {
                    close_fd(&run->status_fd);
                    // EOF: the child exec'd or died; its stack is no longer in use.
                    cjail_release_stack(run->spawned);
                }
                if (run->listener_fd >= 0 && run->exec_at_ns == 0) run->exec_at_ns = cjail_monotonic_ns();
            } else if (fd == run->stdout_fd) {
                if (!drain(run, fd, &run->out)) close_fd(&run->stdout_fd);
            } else if (fd == run->stderr_fd) {
                if (!drain(run, fd, &run->err)) close_fd(&run->stderr_fd);
            } else if (fd == run->stdin_fd) {
                if (!feed_stdin(run)) close_fd(&run->stdin_fd);
            } else if (fd == run->listener_fd) {
                if (fds[i].revents & POLLIN) notification = 1;
                else close_fd(&run->listener_fd);
            } else if (fd == run->spawned->pidfd) {
                if (cjail_wait_pidfd(fd, &run->exit_kind, &run->exit_value, &run->usage) == 0) reap(run);
            } else if (fd == run->watch_fd) {
                watched = 1;
            } else if (fd == run->cancel_fd) {
                uint64_t value;
                (void)!read(run->cancel_fd, &value, sizeof value);
                if (!run->exited) {
                    run->cancelled = 1;
                    csup_kill(run);
                }
            }
        }
        if (run->out.truncated) close_fd(&run->stdout_fd);
        if (run->err.truncated) close_fd(&run->stderr_fd);
        if (notification) return CSUP_NOTIFICATION;
        if (run->reaped_pending) {
            run->reaped_pending = 0;
            return CSUP_REAPED;
        }
        if (watched) return CSUP_WATCH;
    }
}
