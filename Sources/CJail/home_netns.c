#define _GNU_SOURCE
#include "home_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int cjail_home_netns(void)
{
    static int cached = -1;
    int fd = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
    if (fd >= 0) return fd;
    fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int expected = -1;
    if (!__atomic_compare_exchange_n(&cached, &expected, fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        close(fd);  // another thread cached the same namespace first
        return expected;
    }
    return fd;
}
