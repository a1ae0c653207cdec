// airlock-attack: hostile code for the sandbox tests. Each subcommand tries
// one escape with raw syscalls and prints one RESULT line; several
// subcommands may follow each other in one invocation, e.g.
//   airlock-attack keyctl bpf tcp 40123
// The tests run it inside a confined child and check both what it printed
// and, from outside, that nothing it attempted left a trace on the host.
#include "attacks.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    void (*run0)(void);
    void (*run1)(const char *);
    const char *argument;  // what the one argument is, for the usage text
};

static const struct command commands[] = {
    { "int80", attack_int80, 0, 0 },
    { "int80_creat", 0, attack_int80_creat, "PATH" },
    { "x32", attack_x32, 0, 0 },
    { "tiocsti", attack_tiocsti, 0, 0 },
    { "tiocsti_high", attack_tiocsti_high, 0, 0 },
    { "ptrace_traceme", attack_ptrace_traceme, 0, 0 },
    { "ptrace_attach", 0, attack_ptrace_attach, "PID" },
    { "io_uring_setup", attack_io_uring_setup, 0, 0 },
    { "io_uring_enter", attack_io_uring_enter, 0, 0 },
    { "io_uring_register", attack_io_uring_register, 0, 0 },
    { "keyctl", attack_keyctl, 0, 0 },
    { "add_key", attack_add_key, 0, 0 },
    { "request_key", attack_request_key, 0, 0 },
    { "bpf", attack_bpf, 0, 0 },
    { "perf_event_open", attack_perf_event_open, 0, 0 },
    { "userfaultfd", attack_userfaultfd, 0, 0 },
    { "process_vm_readv", attack_process_vm_readv, 0, 0 },
    { "process_vm_writev", attack_process_vm_writev, 0, 0 },
    { "raw", 0, attack_raw, "NR[,ARG...]" },
    { "mount", attack_mount, 0, 0 },
    { "umount", attack_umount, 0, 0 },
    { "chroot", attack_chroot, 0, 0 },
    { "pivot_root", attack_pivot_root, 0, 0 },
    { "open_tree", attack_open_tree, 0, 0 },
    { "fsopen", attack_fsopen, 0, 0 },
    { "fsmount", attack_fsmount, 0, 0 },
    { "fsconfig", attack_fsconfig, 0, 0 },
    { "move_mount", attack_move_mount, 0, 0 },
    { "fspick", attack_fspick, 0, 0 },
    { "mount_setattr", attack_mount_setattr, 0, 0 },
    { "unshare_user", attack_unshare_user, 0, 0 },
    { "userns", attack_userns, 0, 0 },
    { "clone_newuser", attack_clone_newuser, 0, 0 },
    { "clone_ns", 0, attack_clone_ns, "newns|newnet|newpid|newuts|newipc|newcgroup" },
    { "clone3", attack_clone3, 0, 0 },
    { "setns", attack_setns, 0, 0 },
    { "tcp", 0, attack_tcp, "PORT" },
    { "udp", 0, attack_udp, "PORT" },
    { "unix_abstract", 0, attack_unix_abstract, "NAME" },
    { "vsock_socket", attack_vsock_socket, 0, 0 },
    { "vsock_bind", 0, attack_vsock_bind, "PORT" },
    { "vsock_bind_wide", 0, attack_vsock_bind_wide, "PORT" },
    { "kill", 0, attack_kill, "PID" },
    { "write", 0, attack_write, "PATH" },
    { "read", 0, attack_read, "PATH" },
    { "fds", attack_fds, 0, 0 },
    { "capset", attack_capset, 0, 0 },
    { "setuid0", attack_setuid0, 0, 0 },
    { "ids", attack_ids, 0, 0 },
    { "procs", attack_procs, 0, 0 },
    { "steal", 0, attack_steal, "ADDRESS,LENGTH,SECONDS" },
    { "sigqueue_hold", 0, attack_sigqueue_hold, "SECONDS" },
    { "write_variants", 0, attack_write_variants, "DIR" },
    { "execveat_fd", 0, attack_execveat_fd, "PATH" },
    { "filter_probe", 0, attack_filter_probe, "PROGRAM_FILE,REQUEST[,REQUEST...]" },
};

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    }
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: airlock-attack COMMAND [ARG] [COMMAND [ARG]]...\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(stderr, "  %s%s%s\n", commands[i].name, commands[i].argument ? " " : "",
                commands[i].argument ? commands[i].argument : "");
    }
    return 2;
}

int main(int argc, char **argv)
{
    // Line-buffered even into a pipe: an attack that gets the process killed
    // must not take the earlier results with it.
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return usage();
    for (int i = 1; i < argc; i++) {
        const struct command *command = find(argv[i]);
        if (!command) {
            fprintf(stderr, "airlock-attack: unknown command %s\n", argv[i]);
            return usage();
        }
        if (command->run1) {
            if (i + 1 >= argc) return usage();
            command->run1(argv[++i]);
        } else {
            command->run0();
        }
    }
    return 0;
}
