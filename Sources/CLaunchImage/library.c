// Which shared library holds a function (dladdr is GNU-only, so Swift's
// Glibc module hides it): a launch image fingerprints the libseccomp that
// compiled its filter.
#define _GNU_SOURCE
#include "claunch_image.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int claunch_library_of(const void *function, char *out, size_t size)
{
    Dl_info info;
    if (!dladdr(function, &info) || !info.dli_fname) return -ENOENT;
    int written = snprintf(out, size, "%s", info.dli_fname);
    return written > 0 && (size_t)written < size ? 0 : -ENAMETOOLONG;
}
