import CJail
import Foundation

/// The end of the confinement sequence — the root made read-only, the
/// cgroup namespace, rlimits, capabilities dropped, no_new_privs, Landlock
/// and seccomp in force (child.c's `confine_for_command`). None of it
/// depends on the command, only on the profile and the limits, so a warm
/// child for a command that brings no files of its own does all of it
/// ahead of time and is left with chdir and execve.
struct SealPlan: Sendable {
    let filter: CompiledFilter
    let limits: ResourceLimits

    /// The seal fields of a C plan: limits, filter, listener flag, cgroup
    /// namespace (and no files: `late_mounts` stays empty here).
    static func fill(_ plan: inout cjail_plan, filter: CompiledFilter, rlimits: RlimitPlan, arena: CArena) {
        plan.unshare_cgroup_ns = 1
        plan.rlimits = UnsafePointer(rlimits.cArray(arena: arena))
        plan.rlimit_count = Int32(rlimits.entries.count)
        let filterBytes = arena.bytes(filter.program)
        plan.filter = UnsafeRawPointer(filterBytes).assumingMemoryBound(to: sock_filter.self)
        plan.filter_len = UInt16(filter.program.count / 8)
        plan.seccomp_flags = UInt32(SECCOMP_FILTER_FLAG_NEW_LISTENER)
    }

    /// The syscalls a sealed child still makes under its own filter before
    /// the command runs: read its go, close the pipe, enter the working
    /// directory (openat2 through no symlink, fchdir), execve, and on
    /// failure write its report and exit.
    static let callsAfterSealing = ["read", "close", "openat2", "fchdir", "execve", "write", "exit_group"]

    /// Whether `policy` lets a sealed child finish: every call above
    /// allowed outright, none of them conditioned.
    static func canSealAhead(_ policy: SeccompPolicy) -> Bool {
        let allowed = Set(policy.allow), conditioned = Set(policy.conditions.map(\.syscall))
        return callsAfterSealing.allSatisfy { allowed.contains($0) && !conditioned.contains($0) }
    }
}
