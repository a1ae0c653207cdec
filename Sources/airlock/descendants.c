// Following the sandbox's processes through the process-events connector,
// for one tree: the same rule as Sandbox's ProcessEventHub (a fork whose
// parent is a member adds the child; a member's exit counts the signal
// that ended it; the init's own exit comes after all of its members').
#define _GNU_SOURCE
#include "front.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void front_descendants_open(struct front_descendants *tree)
{
    memset(tree, 0, sizeof *tree);
    int fd = cjail_proc_events_open();
    tree->fd = fd >= 0 ? fd : -1;
    tree->watched = fd >= 0;
}

static int member_index(const struct front_descendants *tree, int pid)
{
    for (int i = 0; i < tree->member_count; i++) {
        if (tree->members[i] == pid) return i;
    }
    return -1;
}

static void add_member(struct front_descendants *tree, int pid)
{
    if (tree->member_count == tree->member_capacity) {
        int wanted = tree->member_capacity ? 2 * tree->member_capacity : 64;
        int *grown = realloc(tree->members, (size_t)wanted * sizeof *grown);
        if (!grown) {
            tree->lost = 1;  // a member we cannot follow: its exits may go uncounted
            return;
        }
        tree->members = grown;
        tree->member_capacity = wanted;
    }
    tree->members[tree->member_count++] = pid;
}

/// How far this process's CLOCK_MONOTONIC is moved from the host's (a
/// time namespace): process events carry the host's clock.
static int64_t time_namespace_offset_ns(void)
{
    FILE *offsets = fopen("/proc/self/timens_offsets", "re");
    if (!offsets) return 0;
    char name[32];
    long long seconds, nanoseconds;
    int64_t offset = 0;
    while (fscanf(offsets, "%31s %lld %lld", name, &seconds, &nanoseconds) == 3) {
        if (strcmp(name, "monotonic") == 0) offset = (int64_t)seconds * 1000000000 + nanoseconds;
    }
    fclose(offsets);
    return offset;
}

void front_descendants_follow(struct front_descendants *tree, int root_pid)
{
    tree->root_pid = root_pid;
    // A notice older than the launch belongs to an earlier owner of a
    // reused pid.
    int64_t since = (int64_t)cjail_monotonic_ns() - time_namespace_offset_ns();
    tree->since_ns = since > 0 ? (uint64_t)since : 0;
    tree->member_count = 0;
    add_member(tree, root_pid);
}

static void apply(struct front_descendants *tree, const struct cjail_proc_event *event)
{
    // Threads come and go inside a process; only processes matter here.
    if (event->pid != event->tgid || event->timestamp_ns < tree->since_ns) return;
    if (event->what == CJAIL_PROC_FORK) {
        if (member_index(tree, event->parent_tgid) >= 0 && member_index(tree, event->tgid) < 0) add_member(tree, event->tgid);
        return;
    }
    if (event->what != CJAIL_PROC_EXIT) return;
    int index = member_index(tree, event->tgid);
    if (index < 0) return;
    tree->members[index] = tree->members[--tree->member_count];
    if (event->tgid == tree->root_pid) {
        tree->root_exited = 1;
        return;
    }
    int signal = event->exit_code & 0x7f;
    if (signal > 0 && signal < 65) tree->killed_by[signal]++;
}

void front_descendants_drain(struct front_descendants *tree)
{
    if (tree->fd < 0) return;
    struct cjail_proc_event events[64];
    for (;;) {
        int lost = 0;
        int count = cjail_proc_events_read(tree->fd, events, 64, &lost);
        if (lost || count < 0) tree->lost = 1;
        for (int i = 0; i < count; i++) apply(tree, &events[i]);
        if (count <= 0) return;
    }
}

void front_descendants_finish(struct front_descendants *tree)
{
    if (tree->fd < 0) return;
    uint64_t deadline = cjail_monotonic_ns() + 100000000ull;
    for (;;) {
        front_descendants_drain(tree);
        if (tree->root_exited || tree->lost) return;
        uint64_t now = cjail_monotonic_ns();
        if (now >= deadline) break;
        struct pollfd ready = { .fd = tree->fd, .events = POLLIN };
        (void)poll(&ready, 1, (int)((deadline - now) / 1000000 + 1));
    }
    if (!tree->root_exited) tree->lost = 1;
}

void front_descendants_close(struct front_descendants *tree)
{
    if (tree->fd >= 0) close(tree->fd);
    tree->fd = -1;
    free(tree->members);
    tree->members = NULL;
}
