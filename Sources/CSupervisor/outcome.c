// The rules that turn a run's observation into limit hits and a
// termination (see csup_outcome.h). The evidence strings are part of what
// agents and the audit log read, so their wording is fixed.

#include "csup_outcome.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Appends a hit with its evidence. Each kind is reported at most once, so
/// CSUP_MAX_HITS slots always suffice; the check only keeps a future rule
/// from writing past them. Evidence longer than the buffer is cut (no real
/// counter makes it that long).
__attribute__((format(printf, 4, 5)))
static void add_hit(struct csup_outcome *out, int kind, uint64_t limit, const char *format, ...)
{
    if (out->hit_count >= CSUP_MAX_HITS) return;
    struct csup_limit_hit *hit = &out->hits[out->hit_count++];
    hit->kind = kind;
    hit->limit = limit;
    va_list args;
    va_start(args, format);
    vsnprintf(hit->evidence, sizeof hit->evidence, format, args);
    va_end(args);
}

static int has_hit(const struct csup_outcome *out, int kind)
{
    for (int i = 0; i < out->hit_count; i++)
        if (out->hits[i].kind == kind) return 1;
    return 0;
}

/// The wall-clock limit in whole seconds, rounded up. Launches only take
/// limits from 0.001 s to a week (Sandbox's LimitBounds); a NaN or a value
/// outside what a uint64_t holds, where Swift's conversion would trap, is
/// clamped.
static uint64_t whole_seconds_up(double seconds)
{
    if (!(seconds > 0)) return 0;
    if (seconds >= 0x1p64) return UINT64_MAX;
    return (uint64_t)ceil(seconds);
}

uint64_t csup_cpu_budget_ns(uint64_t cpu_seconds)
{
    return cpu_seconds >= UINT64_MAX / 1000000000u ? UINT64_MAX : (cpu_seconds + 1) * 1000000000u;
}

static double cpu_budget_seconds(uint64_t cpu_seconds) { return (double)csup_cpu_budget_ns(cpu_seconds) / 1e9; }

/// A positive decimal: significant digits d.ddd times 10^exponent.
struct decimal {
    char digits[24];
    int count;
    int exponent;
};

/// |x| rounded to `count` significant digits ("%e" rounds exactly, ties to even).
static struct decimal nearest_decimal(double x, int count)
{
    char text[40];
    snprintf(text, sizeof text, "%.*e", count - 1, fabs(x));
    struct decimal d = { .count = 0 };
    const char *e = strchr(text, 'e');
    for (const char *c = text; c < e; c++)
        if (*c != '.') d.digits[d.count++] = *c;
    d.exponent = atoi(e + 1);
    return d;
}

/// One unit more in the last digit (9.99 becomes 1.00 times 10 more).
static void step_up(struct decimal *d)
{
    int i = d->count - 1;
    while (i >= 0 && d->digits[i] == '9') d->digits[i--] = '0';
    if (i >= 0) {
        d->digits[i]++;
    } else {
        d->digits[0] = '1';
        d->exponent++;
    }
}

static int reads_back_as(const struct decimal *d, double x)
{
    char text[48];
    snprintf(text, sizeof text, "%.1s.%.*se%d", d->digits, d->count - 1, d->digits + 1, d->exponent);
    return strtod(text, NULL) == fabs(x);
}

/// Writes `x` as Swift's string interpolation does, so the wall-clock
/// evidence reads the same from either engine ("30.0", "0.5", "2.25"): the
/// fewest significant digits that read back as `x`, the nearest such
/// decimal; in plain decimal with at least one digit after the point, but
/// with an exponent ("1e+16", "1e-05", two digits at least) above 2^53 or
/// below 1e-4. Where `x` is a power of two the gap below it is half the gap
/// above, so the nearest decimal of a length can miss while the one a unit
/// above reads back: Swift takes that one, and so does this. strtod and
/// "%e" assume the "C" numeric locale, every program's default until it
/// calls setlocale (Swift's text does not depend on the locale). A NaN is
/// written "nan" without Swift's payload.
static void describe_double(double x, char *text, size_t size)
{
    const char *sign = signbit(x) ? "-" : "";
    if (isnan(x) || isinf(x) || x == 0) {
        snprintf(text, size, "%s%s", sign, isnan(x) ? "nan" : isinf(x) ? "inf" : "0.0");
        return;
    }
    struct decimal d = nearest_decimal(x, 17);   // 17 digits always read back
    for (int count = 1; count < 17; count++) {
        struct decimal shorter = nearest_decimal(x, count);
        if (reads_back_as(&shorter, x)) { d = shorter; break; }
        step_up(&shorter);
        if (reads_back_as(&shorter, x)) { d = shorter; break; }
    }
    if (fabs(x) > 0x1p53 || d.exponent < -4)   // d.ddde-05
        snprintf(text, size, "%s%.1s%s%.*se%c%02d", sign, d.digits, d.count > 1 ? "." : "", d.count - 1, d.digits + 1,
                 d.exponent < 0 ? '-' : '+', abs(d.exponent));
    else if (d.exponent < 0)                  // 0.000ddd
        snprintf(text, size, "%s0.%.*s%.*s", sign, -d.exponent - 1, "000", d.count, d.digits);
    else if (d.exponent + 1 < d.count)        // ddd.ddd
        snprintf(text, size, "%s%.*s.%.*s", sign, d.exponent + 1, d.digits, d.count - d.exponent - 1, d.digits + d.exponent + 1);
    else                                      // ddd000.0 (below 2^53: 16 digits at most)
        snprintf(text, size, "%s%.*s%.*s.0", sign, d.count, d.digits, d.exponent + 1 - d.count, "000000000000000");
}

void csup_outcome_judge(const struct csup_outcome_input *in, const struct csup_limits_in_force *limits,
                        struct csup_outcome *out)
{
    memset(out, 0, sizeof *out);
    int signal = in->exited ? 0 : in->exit_value;   // 0: none
    const struct csup_cgroup_counts *cgroup = in->cgroup.present ? &in->cgroup : NULL;

    if (in->timed_out) {
        char wall[32];
        describe_double(limits->wall_seconds, wall, sizeof wall);
        add_hit(out, CSUP_LIMIT_WALL_CLOCK, whole_seconds_up(limits->wall_seconds),
                "still running after %ss; pid namespace killed", wall);
    }
    if (in->cpu_budget_exceeded) {
        add_hit(out, CSUP_LIMIT_CPU_TIME, limits->cpu_seconds,
                "the sandbox's processes used %.1f s of CPU together (cgroup); pid namespace killed",
                in->cpu_budget_used_seconds);
    } else if (signal == SIGXCPU
               || (signal == SIGKILL && in->user_cpu_seconds + in->system_cpu_seconds >= (double)limits->cpu_seconds)) {
        add_hit(out, CSUP_LIMIT_CPU_TIME, limits->cpu_seconds, "RLIMIT_CPU: %s",
                signal == SIGXCPU ? "SIGXCPU" : "SIGKILL at the hard limit");
    }
    // The limit counter also rises on ordinary reclaim at the limit: with
    // no OOM kill counted, a SIGKILL is the memory limit's only when
    // nothing else (the wall clock, a cancel, a foreign-arch call, the CPU
    // budget) sent it.
    int killed_by_other = in->timed_out || in->cancelled || in->killed_by_foreign_syscall || in->cpu_budget_exceeded;
    if (cgroup && (cgroup->oom_kills > 0 || (cgroup->memory_limit_hits > 0 && signal == SIGKILL && !killed_by_other))) {
        add_hit(out, CSUP_LIMIT_MEMORY, limits->memory_bytes,
                "cgroup memory limit reached %" PRIu64 "\xc3\x97, OOM kills: %" PRIu64,   // "×" in UTF-8
                cgroup->memory_limit_hits, cgroup->oom_kills);
    }
    if (cgroup && cgroup->pids_limit_hits > 0) {
        add_hit(out, CSUP_LIMIT_PROCESSES, limits->processes, "cgroup pids.max refused %" PRIu64 " fork(s)",
                cgroup->pids_limit_hits);
    }
    if (in->stdout_truncated || in->stderr_truncated) {
        const char *which = in->stdout_truncated && in->stderr_truncated ? "stdout and stderr"
                            : in->stdout_truncated ? "stdout" : "stderr";
        add_hit(out, CSUP_LIMIT_OUTPUT_BYTES, limits->output_bytes, "%s truncated; the pipe was closed", which);
    }
    if (signal == SIGXFSZ)
        add_hit(out, CSUP_LIMIT_FILE_SIZE, limits->file_size_bytes, "RLIMIT_FSIZE: SIGXFSZ");

    // The same limits, hit by processes the command started.
    const char *lost = in->descendant_events_lost ? " (some process events were lost; there may have been more)" : "";
    if (in->descendants_watched && in->descendant_sigxfsz > 0 && !has_hit(out, CSUP_LIMIT_FILE_SIZE)) {
        add_hit(out, CSUP_LIMIT_FILE_SIZE, limits->file_size_bytes,
                "RLIMIT_FSIZE: %" PRIu64 " process(es) started in the sandbox ended by SIGXFSZ%s",
                in->descendant_sigxfsz, lost);
    }
    if (in->descendants_watched && in->descendant_sigxcpu > 0 && !has_hit(out, CSUP_LIMIT_CPU_TIME)) {
        add_hit(out, CSUP_LIMIT_CPU_TIME, limits->cpu_seconds,
                "RLIMIT_CPU: %" PRIu64 " process(es) started in the sandbox ended by SIGXCPU%s",
                in->descendant_sigxcpu, lost);
    }
    // The total reached between two of the supervisor's checks, as the
    // run ended (the more specific evidence above comes first).
    if (cgroup && cgroup->counts_cpu && !has_hit(out, CSUP_LIMIT_CPU_TIME)) {
        double used = (double)cgroup->cpu_ns / 1e9;
        if (used > cpu_budget_seconds(limits->cpu_seconds)) {
            add_hit(out, CSUP_LIMIT_CPU_TIME, limits->cpu_seconds,
                    "the sandbox's processes used %.1f s of CPU together (cgroup)", used);
        }
    }

    if (in->cancelled)
        out->termination = CSUP_TERM_CANCELLED;
    else if (in->killed_by_foreign_syscall)
        out->termination = CSUP_TERM_SIGNALED;
    else if (!in->exited && (has_hit(out, CSUP_LIMIT_WALL_CLOCK) || has_hit(out, CSUP_LIMIT_CPU_TIME)
                             || has_hit(out, CSUP_LIMIT_MEMORY)))
        out->termination = CSUP_TERM_LIMIT_KILLED;
    else
        out->termination = in->exited ? CSUP_TERM_EXITED : CSUP_TERM_SIGNALED;
}

int csup_shell_status(int exited, int exit_value)
{
    return exited ? exit_value : 128 + exit_value;
}
