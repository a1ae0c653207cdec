// Internal: the host process's own network namespace, for threads that
// step into another one and must come back.
#pragma once

/// An fd of the network namespace this process runs in, opened once and
/// kept for the process's lifetime (close-on-exec), or -errno. Callers
/// setns() back to it after visiting a sandbox's namespace; opening
/// /proc/thread-self/ns/net for that on every launch cost a procfs lookup
/// each time. Must first be called by a thread that is at home, which every
/// caller is before its own setns().
int cjail_home_netns(void);
