// The kernel's process-events connector (NETLINK_CONNECTOR, CN_IDX_PROC):
// fork and exit notices for every process on the host, with how each one
// ended. The supervisor reads them to learn how a sandbox's descendants
// ended, which no wait() of its own can see (their parents reap them).
// Listening needs CAP_NET_ADMIN in the host's user namespace.
#define _GNU_SOURCE
#include "cjail.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/filter.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int cjail_proc_events_open(void)
{
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0) return -errno;
    // Room for bursts (a sandbox's fork bomb, a busy host); root may force it.
    int size = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    // Only fork and exit notices reach the socket: a supervisor is not
    // woken by every exec and rename on the host. (Classic BPF loads words
    // in network order; `what` is stored in host order.)
    enum { WHAT = NLMSG_LENGTH(0) + sizeof(struct cn_msg) + offsetof(struct proc_event, what) };
    struct sock_filter keep[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, WHAT),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_FORK), 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_EXIT), 1, 0),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    };
    struct sock_fprog program = { sizeof keep / sizeof keep[0], keep };
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    struct sockaddr_nl address = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    // nlmsghdr, then cn_msg, then the operation: "listen".
    char subscribe[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))] __attribute__((aligned(NLMSG_ALIGNTO)));
    memset(subscribe, 0, sizeof subscribe);
    struct nlmsghdr *header = (struct nlmsghdr *)subscribe;
    header->nlmsg_len = sizeof subscribe;
    header->nlmsg_type = NLMSG_DONE;
    struct cn_msg *message = NLMSG_DATA(header);
    message->id.idx = CN_IDX_PROC;
    message->id.val = CN_VAL_PROC;
    message->len = sizeof(enum proc_cn_mcast_op);
    *(enum proc_cn_mcast_op *)message->data = PROC_CN_MCAST_LISTEN;
    if (send(fd, subscribe, sizeof subscribe, 0) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

unsigned long long cjail_monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec;
}

int cjail_proc_events_read(int fd, struct cjail_proc_event *out, int max, int *lost)
{
    int count = 0;
    char buffer[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    while (count < max) {
        struct sockaddr_nl from = { 0 };
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ENOBUFS) {  // the kernel dropped some: say so, read on
                *lost = 1;
                continue;
            }
            return count > 0 ? count : -errno;
        }
        // Only the kernel's messages: a process that finds this socket's
        // port could otherwise send made-up fork and exit events.
        if (from_len != sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0) continue;
        int left = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, left) && count < max; h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP) continue;
            struct cn_msg *message = NLMSG_DATA(h);
            if (message->id.idx != CN_IDX_PROC || message->id.val != CN_VAL_PROC) continue;
            if (message->len < sizeof(struct proc_event)) continue;
            const struct proc_event *event = (const struct proc_event *)message->data;
            struct cjail_proc_event *e = &out[count];
            if (event->what == PROC_EVENT_FORK) {
                *e = (struct cjail_proc_event){ .what = CJAIL_PROC_FORK,
                    .pid = event->event_data.fork.child_pid, .tgid = event->event_data.fork.child_tgid,
                    .parent_tgid = event->event_data.fork.parent_tgid, .timestamp_ns = event->timestamp_ns };
                count++;
            } else if (event->what == PROC_EVENT_EXIT) {
                *e = (struct cjail_proc_event){ .what = CJAIL_PROC_EXIT,
                    .pid = event->event_data.exit.process_pid, .tgid = event->event_data.exit.process_tgid,
                    .exit_code = (int)event->event_data.exit.exit_code, .timestamp_ns = event->timestamp_ns };
                count++;
            }
        }
    }
    return count;
}
