// Thin wrappers over syscalls Swift's Glibc module does not expose. Each
// returns -errno on failure so Swift never reads errno across a call.
#define _GNU_SOURCE
#include "cjail.h"
#include "home_netns.h"
#include "raw_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int cjail_landlock_abi(void)
{
    return (int)RAW3(__NR_landlock_create_ruleset, 0, 0, LL_CREATE_RULESET_VERSION);
}

int cjail_landlock_create_ruleset(const struct cjail_landlock_ruleset_attr *attr, size_t size)
{
    return (int)RAW3(__NR_landlock_create_ruleset, attr, size, 0);
}

struct landlock_net_port {
    uint64_t allowed_access;
    uint64_t port;
} __attribute__((packed));

int cjail_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port)
{
    struct landlock_net_port rule = { allowed_access, port };
    return (int)RAW4(__NR_landlock_add_rule, ruleset_fd, LL_RULE_NET_PORT, &rule, 0);
}

int cjail_memfd_create(const char *name)
{
    return (int)RAW2(__NR_memfd_create, name, MFD_CLOEXEC);
}

int cjail_pidfd_send_signal(int pidfd, int sig)
{
    return (int)RAW4(__NR_pidfd_send_signal, pidfd, sig, 0, 0);
}

int cjail_pidfd_getfd(int pidfd, int targetfd)
{
    return (int)RAW3(__NR_pidfd_getfd, pidfd, targetfd, 0);
}

int cjail_wait_pidfd(int pidfd, int *status_kind, int *status_value, struct rusage *usage)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    // The raw waitid takes a fifth rusage argument that glibc's wrapper hides.
    long r;
    do {
        r = raw_syscall6(__NR_waitid, P_PIDFD, pidfd, (long)&info, WEXITED | __WALL, (long)usage, 0);
    } while (r == -EINTR);
    if (r < 0) return (int)r;
    switch (info.si_code) {
    case CLD_EXITED: *status_kind = 1; break;
    case CLD_KILLED: *status_kind = 2; break;
    case CLD_DUMPED: *status_kind = 3; break;
    default: *status_kind = 0; break;
    }
    *status_value = info.si_status;
    return 0;
}

int cjail_eventfd(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int cjail_netns_create(int bring_up_loopback)
{
    int home = cjail_home_netns();
    if (home < 0) return home;
    // This thread must be able to come back before it leaves: a root
    // without CAP_SYS_ADMIN over the host's namespace (inside a rootless
    // container's user namespace) could unshare but not return.
    if (setns(home, CLONE_NEWNET) < 0) return -errno;
    if (unshare(CLONE_NEWNET) < 0) return -errno;
    int err = 0;
    if (bring_up_loopback) {
        int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "lo");
        if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) err = -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (!err && ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) err = -errno;
        if (sock >= 0) close(sock);
    }
    int fd = err ? -1 : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (!err && fd < 0) err = -errno;
    if (setns(home, CLONE_NEWNET) < 0) abort();
    return err ? err : fd;
}

int cjail_seccomp_probe_actions(void)
{
    // Bit 0: USER_NOTIF available; bit 1: KILL_PROCESS; bit 2: ERRNO.
    int result = 0;
    unsigned int action = SECCOMP_RET_USER_NOTIF;
    if (RAW3(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) result |= 1;
    action = SECCOMP_RET_KILL_PROCESS;
    if (RAW3(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) result |= 2;
    action = SECCOMP_RET_ERRNO;
    if (RAW3(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) result |= 4;
    return result;
}

// --- user notification ---------------------------------------------------------

static struct seccomp_notif_sizes notif_sizes;

int cjail_notify_init(void)
{
    if (notif_sizes.seccomp_notif) return 0;
    long r = RAW3(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &notif_sizes);
    return (int)r;
}

int cjail_notify_set_sync_wakeup(int listener_fd)
{
    unsigned long request = _IOW(CJ_SECCOMP_IOC_MAGIC, 4, uint64_t);
    uint64_t flags = CJ_SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
    return ioctl(listener_fd, request, flags) < 0 ? -errno : 0;
}

int cjail_notify_receive(int listener_fd, struct cjail_notification *out)
{
    // The kernel's struct may be larger than our headers' version.
    unsigned char buffer[512];
    size_t size = notif_sizes.seccomp_notif ? notif_sizes.seccomp_notif : sizeof(struct seccomp_notif);
    if (size > sizeof buffer) return -EOVERFLOW;
    memset(buffer, 0, size);
    if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, buffer) < 0) return -errno;
    struct seccomp_notif *n = (struct seccomp_notif *)buffer;
    out->id = n->id;
    out->pid = n->pid;
    out->nr = n->data.nr;
    out->arch = n->data.arch;
    out->instruction_pointer = n->data.instruction_pointer;
    for (int i = 0; i < 6; i++) out->args[i] = n->data.args[i];
    return 0;
}

int cjail_notify_respond(int listener_fd, uint64_t id, int error, int continue_call)
{
    unsigned char buffer[256];
    size_t size = notif_sizes.seccomp_notif_resp ? notif_sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
    if (size > sizeof buffer) return -EOVERFLOW;
    memset(buffer, 0, size);
    struct seccomp_notif_resp *resp = (struct seccomp_notif_resp *)buffer;
    resp->id = id;
    if (continue_call) {
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
        resp->error = -error;
    }
    return ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SEND, buffer) < 0 ? -errno : 0;
}

int cjail_notify_id_valid(int listener_fd, uint64_t id)
{
    return ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0 ? -errno : 0;
}

ssize_t cjail_read_memory(pid_t pid, uint64_t addr, void *buffer, size_t len)
{
    struct iovec local = { buffer, len };
    struct iovec remote = { (void *)(uintptr_t)addr, len };
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    return n < 0 ? -errno : n;
}

int cjail_nice_of_thread(int tid)
{
    errno = 0;
    int value = getpriority(PRIO_PROCESS, (id_t)(tid == 0 ? gettid() : tid));
    return errno ? -1000 - errno : value;
}

int cjail_set_nice(int tid, int nice)
{
    return setpriority(PRIO_PROCESS, (id_t)(tid == 0 ? gettid() : tid), nice) < 0 ? -errno : 0;
}
