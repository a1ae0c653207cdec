/// Every wrapper the resolver looks through, with all of its options as its
/// own documentation lists them (GNU coreutils, util-linux, sudo, findutils,
/// procps; the BSD-only ones of doas and caffeinate).
///
/// A table must be complete: an option missing from it makes every call
/// that uses it unparsed. An option that only takes an attached value
/// (`--preserve-env[=list]`, `xargs -i[R]`) is a flag here: without `=`,
/// the next word is not its value. Where a wrapper reads its options only
/// before its command (getopt's `+`, nearly all of them) the table says so;
/// `su` and `runuser` take options anywhere.
extension ShellWrapper {
    static let known: [String: ShellWrapper] = [
        // Privilege.
        "sudo": ShellWrapper(options: spec(
            short: "aCcDgpRrTtUu", flags: "ABbEeHiKklNnPSsVv", attachedOnly: "h",
            long: ["--auth-type", "--close-from", "--login-class", "--chdir", "--chroot", "--group", "--host", "--prompt", "--role",
                   "--type", "--command-timeout", "--other-user", "--user"],
            longFlags: ["--askpass", "--background", "--bell", "--preserve-env", "--edit", "--set-home", "--help", "--login",
                        "--remove-timestamp", "--reset-timestamp", "--list", "--no-update", "--non-interactive", "--preserve-groups",
                        "--stdin", "--shell", "--validate", "--version"]),
            takesAssignments: true),
        "doas": ShellWrapper(options: spec(short: "aCu", flags: "Lns")),
        "pkexec": ShellWrapper(options: spec(long: ["--user"], longFlags: ["--keep-cwd", "--disable-internal-agent", "--help", "--version"])),
        "su": ShellWrapper(options: userShellOptions(runuser: false), runs: .userShell),
        "runuser": ShellWrapper(options: userShellOptions(runuser: true), runs: .userShell),
        // Environment, scheduling, limits.
        "env": ShellWrapper(options: spec(
            short: "CSu", flags: "iv0",
            long: ["--chdir", "--split-string", "--unset"],
            longFlags: ["--ignore-environment", "--null", "--debug", "--list-signal-handling", "--block-signal", "--default-signal",
                        "--ignore-signal", "--help", "--version"]),
            takesAssignments: true, splitOptions: ["-S", "--split-string"]),
        "nice": ShellWrapper(options: spec(short: "n", long: ["--adjustment"], longFlags: standard, numericOptions: true)),
        "ionice": ShellWrapper(options: spec(short: "cnpPu", flags: "thV", long: ["--class", "--classdata", "--pid", "--pgid", "--uid"],
                                             longFlags: ["--ignore", "--help", "--version"])),
        "timeout": ShellWrapper(options: spec(short: "ks", flags: "v", long: ["--kill-after", "--signal"],
                                              longFlags: ["--preserve-status", "--foreground", "--verbose"] + standard), positionals: 1),
        "stdbuf": ShellWrapper(options: spec(short: "ioe", long: ["--input", "--output", "--error"], longFlags: standard)),
        "nohup": ShellWrapper(options: spec(longFlags: standard)),
        "setsid": ShellWrapper(options: spec(flags: "cfwhV", longFlags: ["--ctty", "--fork", "--wait", "--help", "--version"])),
        "chrt": ShellWrapper(options: spec(
            short: "TPD", flags: "bdfiorRampvhV", long: ["--sched-runtime", "--sched-period", "--sched-deadline"],
            longFlags: ["--batch", "--deadline", "--fifo", "--idle", "--other", "--rr", "--reset-on-fork", "--all-tasks", "--max", "--pid",
                        "--verbose", "--help", "--version"]), positionals: 1),
        "taskset": ShellWrapper(options: spec(flags: "apchV", longFlags: ["--all-tasks", "--pid", "--cpu-list", "--help", "--version"]),
                                positionals: 1),
        "chroot": ShellWrapper(options: spec(long: ["--groups", "--userspec"], longFlags: ["--skip-chdir"] + standard), positionals: 1),
        "unshare": ShellWrapper(options: spec(
            short: "RwSG", flags: "fhVmuinpCTUrc",
            long: ["--map-user", "--map-group", "--map-users", "--map-groups", "--propagation", "--setgroups", "--root", "--wd", "--setuid",
                   "--setgid", "--monotonic", "--boottime"],
            longFlags: ["--mount", "--uts", "--ipc", "--net", "--pid", "--user", "--cgroup", "--time", "--fork", "--map-root-user",
                        "--map-current-user", "--map-auto", "--kill-child", "--mount-proc", "--keep-caps", "--help", "--version"])),
        "flock": ShellWrapper(options: spec(
            short: "wE", flags: "sexnuoFhV", long: ["--timeout", "--wait", "--conflict-exit-code"],
            longFlags: ["--shared", "--exclusive", "--unlock", "--nonblock", "--nonblocking", "--close", "--no-fork", "--fcntl",
                        "--verbose", "--help", "--version"]), runs: .lockedCommand),
        // Repetition and input.
        "xargs": ShellWrapper(options: spec(
            short: "adEILnPs", flags: "0oprtx", attachedOnly: "eil",
            long: ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"],
            longFlags: ["--null", "--eof", "--replace", "--max-lines", "--open-tty", "--interactive", "--no-run-if-empty", "--show-limits",
                        "--verbose", "--exit", "--help", "--version"])),
        "watch": ShellWrapper(options: spec(
            short: "nq", flags: "bceghprtwxv", attachedOnly: "d", long: ["--interval", "--equexit"],
            longFlags: ["--differences", "--beep", "--color", "--no-color", "--errexit", "--chgexit", "--precise", "--no-title", "--no-wrap",
                        "--exec", "--no-rerun", "--help", "--version"])),
        // Measuring and tracing.
        "time": ShellWrapper(options: spec(short: "fo", flags: "apqvV", long: ["--format", "--output"],
                                           longFlags: ["--append", "--portability", "--quiet", "--verbose", "--help", "--version"])),
        "strace": ShellWrapper(options: spec(
            short: "abeEIoOpPsSuUX", flags: "AcCdDfFhiknqrtTvVwxyYzZ",
            long: ["--attach", "--user", "--env", "--detach-on", "--interruptible", "--trace", "--signal", "--status", "--trace-path",
                   "--columns", "--abbrev", "--verbose", "--raw", "--read", "--write", "--kvm", "--output", "--string-limit",
                   "--const-print-style", "--summary-syscall-overhead", "--summary-sort-by", "--summary-columns", "--inject", "--fault",
                   "--decode-pids"],
            longFlags: ["--follow-forks", "--output-separately", "--successful-only", "--failed-only", "--instruction-pointer",
                        "--stack-traces", "--syscall-number", "--output-append-mode", "--summary-only", "--summary", "--summary-wall-clock",
                        "--no-abbrev", "--daemonize", "--relative-timestamps", "--absolute-timestamps", "--syscall-times",
                        "--strings-in-hex", "--decode-fds", "--seccomp-bpf", "--tips", "--debug", "--help", "--version"])),
        "ltrace": ShellWrapper(options: spec(
            short: "aADeFlnopsuwx", flags: "bcCfhiLrStTV",
            long: ["--align", "--config", "--indent", "--library", "--output", "--where"],
            longFlags: ["--demangle", "--no-signals", "--help", "--version"])),
        // Shell builtins and the rest.
        "command": ShellWrapper(options: spec(flags: "pvV")),
        "builtin": ShellWrapper(options: spec()),
        "exec": ShellWrapper(options: spec(short: "a", flags: "cl")),
        "unbuffer": ShellWrapper(options: spec(flags: "p")),
        "caffeinate": ShellWrapper(options: spec(short: "tw", flags: "dimsu")),
        "busybox": ShellWrapper(options: spec(longFlags: ["--list", "--list-full", "--install", "--help"])),
        "toybox": ShellWrapper(options: spec(longFlags: ["--long", "--help", "--version"])),
    ]

    private static let standard = ["--help", "--version"]

    private static func userShellOptions(runuser: Bool) -> ShellOptions.Spec {
        var spec = spec(
            short: "cgGsw", flags: "mplfPhV",
            long: ["--command", "--session-command", "--group", "--supp-group", "--shell", "--whitelist-environment"],
            longFlags: ["--preserve-environment", "--login", "--fast", "--pty", "--help", "--version"])
        if runuser { spec.short.insert("u"); spec.long.insert("--user") }
        spec.stopsAtOperand = false   // util-linux su reads options after the user too
        return spec
    }

    private static func spec(short: String = "", flags: String = "", attachedOnly: String = "", long: [String] = [],
                             longFlags: [String] = [], numericOptions: Bool = false) -> ShellOptions.Spec {
        ShellOptions.Spec(short: Set(short), long: Set(long), flags: Set(flags), longFlags: Set(longFlags), attachedOnly: Set(attachedOnly),
                          isComplete: true, stopsAtOperand: true, numericOptions: numericOptions)
    }
}
