// Internal: what cjail_prepare hands the child besides its plans.
#pragma once
#include "cjail.h"

struct cjail_child_args {
    const struct cjail_root_plan *root;
    /// Set by cjail_start before it writes the go byte; the child reads it
    /// after that byte arrives (the pipe orders the two).
    const struct cjail_plan *plan;
    // The parent's fd numbers; the child moves them to 0..5.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    int status_fd;
    int sync_fd;
    int landlock_fd;
};

int cjail_child_main(void *arg);
