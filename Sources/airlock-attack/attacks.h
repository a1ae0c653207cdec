// The attacks, grouped by what they try to break. Each prints one RESULT
// line (see report.h) and returns; a few are expected to be killed before
// they can print (foreign-architecture syscalls).
#pragma once

// kernel.c: syscalls the seccomp filter must refuse or kill.
void attack_int80(void);
void attack_int80_creat(const char *path);
void attack_x32(void);
void attack_tiocsti(void);
void attack_tiocsti_high(void);
void attack_ptrace_traceme(void);
void attack_ptrace_attach(const char *pid);
void attack_io_uring_setup(void);
void attack_io_uring_enter(void);
void attack_io_uring_register(void);
void attack_keyctl(void);
void attack_add_key(void);
void attack_request_key(void);
void attack_bpf(void);
void attack_perf_event_open(void);
void attack_userfaultfd(void);
void attack_process_vm_readv(void);
void attack_process_vm_writev(void);
void attack_raw(const char *spec);

// escape.c: mount, root and namespace escapes.
void attack_mount(void);
void attack_umount(void);
void attack_chroot(void);
void attack_pivot_root(void);
void attack_open_tree(void);
void attack_fsopen(void);
void attack_fsmount(void);
void attack_fsconfig(void);
void attack_move_mount(void);
void attack_fspick(void);
void attack_mount_setattr(void);
void attack_unshare_user(void);
void attack_userns(void);
void attack_clone_newuser(void);
void attack_clone_ns(const char *which);
void attack_clone3(void);
void attack_setns(void);

// net.c: reaching listeners on the host.
void attack_tcp(const char *port);
void attack_udp(const char *port);
void attack_unix_abstract(const char *name);
void attack_vsock_socket(void);
void attack_vsock_bind(const char *port);
void attack_vsock_bind_wide(const char *port);

// host.c: files, processes, identity and inherited state.
void attack_kill(const char *pid);
void attack_write(const char *path);
void attack_read(const char *path);
void attack_fds(void);
void attack_capset(void);
void attack_setuid0(void);
void attack_ids(void);
void attack_procs(void);

// race.c: run on the host as the sandboxes' host uid, against launches.
void attack_steal(const char *spec);
void attack_sigqueue_hold(const char *seconds);
void attack_write_variants(const char *dir);
void attack_execveat_fd(const char *path);
void attack_filter_probe(const char *spec);
