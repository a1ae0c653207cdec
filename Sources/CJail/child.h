// Internal: what cjail_spawn hands the child besides the plan.
#pragma once
#include "cjail.h"

struct cjail_child_args {
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
