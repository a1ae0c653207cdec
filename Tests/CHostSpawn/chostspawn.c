#define _GNU_SOURCE 1
#include "chostspawn.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int chostspawn_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}

int chostspawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int chostspawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int chostspawn_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
