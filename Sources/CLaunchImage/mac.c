// Launch images are sealed with a MAC under a secret that no sandbox can
// reach (see claunch_image.h). A sandbox of a non-root user runs as that
// user's host uid: through a writable bind it may reach the image folder,
// and a plain checksum would let it rewrite the next launch's plan. The
// secret lives in the user's kernel keyring instead, which no sandbox can
// touch (keyctl, add_key and request_key are denied to every profile).
#define _GNU_SOURCE
#include "claunch_image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

// <linux/keyctl.h>'s values (Debian's libc has no keyctl wrapper).
#define KEY_SPEC_USER_KEYRING (-4)
#define KEYCTL_DESCRIBE 6
#define KEYCTL_SETPERM 5
#define KEYCTL_UNLINK 9
#define KEYCTL_READ 11
#define KEYCTL_SEARCH 10
#define KEY_USR_VIEW 0x00010000u
#define KEY_USR_READ 0x00020000u
#define KEY_USR_SEARCH 0x00080000u

static const char secret_name[] = "airlock:launch-image-mac-v1";

/// Only the user may see, read and find it: no possessor bits, since a
/// process of another uid can come to possess this user's keyrings (a
/// session keyring inherited across sudo or runuser).
static const unsigned secret_permissions = KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH;

/// The key `serial` is this user's and has exactly our permissions (a key
/// of the same name linked in by someone else is not trusted).
static int ours(long serial)
{
    char description[512];
    long length = syscall(SYS_keyctl, KEYCTL_DESCRIBE, serial, description, sizeof description);
    if (length <= 0 || length > (long)sizeof description) return 0;
    description[sizeof description - 1] = 0;
    unsigned uid = 0, gid = 0, permissions = 0;
    char type[16];
    if (sscanf(description, "%15[^;];%u;%u;%x;", type, &uid, &gid, &permissions) != 4) return 0;
    return strcmp(type, "user") == 0 && uid == (unsigned)geteuid() && permissions == secret_permissions;
}

int claunch_mac_secret(int create, unsigned char secret[16])
{
    long serial = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", secret_name, 0);
    if (serial >= 0 && !ours(serial)) {
        // Not ours (linked in by someone else, or left with other
        // permissions): never used. The writer replaces it.
        if (!create) return -EPERM;
        (void)syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING);
        serial = -1;
    }
    if (serial < 0 && create) {
        unsigned char fresh[16];
        if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) return -EIO;
        serial = syscall(SYS_add_key, "user", secret_name, fresh, sizeof fresh, KEY_SPEC_USER_KEYRING);
        if (serial >= 0 && syscall(SYS_keyctl, KEYCTL_SETPERM, serial, secret_permissions) != 0) {
            int error = errno;
            (void)syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING);
            return -error;
        }
    }
    if (serial < 0) return -errno;
    if (!ours(serial)) return -EPERM;  // a replacement raced in
    long length = syscall(SYS_keyctl, KEYCTL_READ, serial, secret, 16);
    if (length < 0) return -errno;
    return length == 16 ? 0 : -EINVAL;
}

// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit MAC, a few µs for
// an image where HMAC-SHA-256 took 90 µs of every launch.

static uint64_t rotate(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t little_endian(const unsigned char *p)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--) value = value << 8 | p[i];
    return value;
}

#define SIP_ROUND(v0, v1, v2, v3)                                                                                        \
    do {                                                                                                                 \
        v0 += v1; v1 = rotate(v1, 13); v1 ^= v0; v0 = rotate(v0, 32);                                                    \
        v2 += v3; v3 = rotate(v3, 16); v3 ^= v2;                                                                         \
        v0 += v3; v3 = rotate(v3, 21); v3 ^= v0;                                                                         \
        v2 += v1; v1 = rotate(v1, 17); v1 ^= v2; v2 = rotate(v2, 32);                                                    \
    } while (0)

uint64_t claunch_siphash(const unsigned char secret[16], const void *data, size_t length)
{
    const unsigned char *bytes = data;
    uint64_t k0 = little_endian(secret), k1 = little_endian(secret + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t full = length & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = little_endian(bytes + i);
        v3 ^= m;
        SIP_ROUND(v0, v1, v2, v3);
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    uint64_t last = (uint64_t)length << 56;
    for (size_t i = 0; i < (length & 7); i++) last |= (uint64_t)bytes[full + i] << (8 * i);
    v3 ^= last;
    SIP_ROUND(v0, v1, v2, v3);
    SIP_ROUND(v0, v1, v2, v3);
    v0 ^= last;
    v2 ^= 0xff;
    for (int i = 0; i < 4; i++) SIP_ROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}
