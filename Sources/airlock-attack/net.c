// Reaching listeners the tests open on the host: TCP and UDP on
// 127.0.0.1, an abstract unix socket, and the VM's vsock port space (which
// network namespaces do not partition).
#define _GNU_SOURCE
#include "attacks.h"
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static const char marker[] = "airlock-attack-was-here\n";

static struct sockaddr_in loopback(const char *port)
{
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)parse_number(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

void attack_tcp(const char *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (report("tcp_socket", fd) < 0) return;
    struct sockaddr_in address = loopback(port);
    if (report("tcp", connect(fd, (struct sockaddr *)&address, sizeof address)) == 0) {
        report("tcp_send", send(fd, marker, sizeof marker - 1, MSG_NOSIGNAL));
    }
    close(fd);
}

void attack_udp(const char *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (report("udp_socket", fd) < 0) return;
    struct sockaddr_in address = loopback(port);
    report("udp", sendto(fd, marker, sizeof marker - 1, 0, (struct sockaddr *)&address, sizeof address));
    close(fd);
}

void attack_unix_abstract(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (report("unix_socket", fd) < 0) return;
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    size_t length = strnlen(name, sizeof address.sun_path - 1);
    memcpy(address.sun_path + 1, name, length);  // sun_path[0] == 0: abstract
    socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
    if (report("unix_abstract", connect(fd, (struct sockaddr *)&address, size)) == 0) {
        report("unix_send", send(fd, marker, sizeof marker - 1, MSG_NOSIGNAL));
    }
    close(fd);
}

void attack_vsock_socket(void)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    report("vsock_socket", fd);
    if (fd >= 0) close(fd);
}

/// Binds a vsock port the host already listens on: EADDRINUSE proves the
/// sandbox shares the host's vsock port space, without contacting anyone.
static void bind_vsock_port(int fd, const char *port)
{
    struct sockaddr_vm address;
    memset(&address, 0, sizeof address);
    address.svm_family = AF_VSOCK;
    address.svm_cid = VMADDR_CID_ANY;
    address.svm_port = (unsigned int)parse_number(port);
    report("vsock_bind", bind(fd, (struct sockaddr *)&address, sizeof address));
    close(fd);
}

void attack_vsock_bind(const char *port)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (report("vsock_socket", fd) >= 0) bind_vsock_port(fd, port);
}

/// The same with AF_VSOCK in the low half of a 64-bit family argument: the
/// kernel reads the family as an int, so a filter comparing all 64 bits
/// against an excluded family would let this one through.
void attack_vsock_bind_wide(const char *port)
{
    int fd = (int)syscall(SYS_socket, (long)AF_VSOCK | (1L << 32), (long)(SOCK_STREAM | SOCK_CLOEXEC), 0L);
    if (report("vsock_socket_wide", fd) >= 0) bind_vsock_port(fd, port);
}
