#ifndef CHOSTSPAWN_H
#define CHOSTSPAWN_H

#include <spawn.h>

// glibc calls that Swift's Glibc module does not show (GNU extensions,
// declared only under _GNU_SOURCE). Used by HostCommandSupport, the tests'
// replacement for Foundation's Process.

/// pipe2(ends, O_CLOEXEC): a pipe whose ends no other child inherits.
/// Returns 0, or -1 with errno set.
int chostspawn_pipe_cloexec(int ends[2]);

/// posix_spawn_file_actions_addchdir_np: the child changes to `path`
/// before exec. Returns 0 or an error number.
int chostspawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every
/// descriptor from `lowest` up before exec. Returns 0 or an error number.
int chostspawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// pidfd_open(pid, 0): a pidfd for a child of this process (-1 with errno).
int chostspawn_pidfd_open(pid_t pid);

#endif
