import AirlockCore
import CSupervisor
import Foundation

/// Assembles the `RunResult` from what the supervisor observed, the cgroup's
/// counters and the plan that was actually applied. Which limits the run hit
/// and how it ended are judged in C (`csup_outcome_judge`), so that the C
/// `airlock exec` front end reports them exactly as this engine does.
enum RunResultBuilder {
    static func build(observation o: Observation, plan: LaunchPlan, profile: SandboxProfile, profileDigest: String, filter: CompiledFilter,
                      cgroupUsage: RunCgroup.Usage?, cgroup: RunCgroup?, host: HostCapabilities) -> RunResult {
        let limits = plan.limits
        let userCPU = seconds(o.usage.ru_utime)
        let systemCPU = seconds(o.usage.ru_stime)
        let exited = o.exitKind == 1
        let signal: Int32? = exited ? nil : o.exitValue

        let (hits, termination) = judge(o, limits: limits, cgroupUsage: cgroupUsage, countsCPU: cgroup?.countsCPU == true)

        let cgroupPeak = cgroupUsage?.peakMemoryBytes
        let peak = cgroupPeak ?? UInt64(max(0, o.usage.ru_maxrss)) * 1024
        return RunResult(
            termination: termination, exitCode: exited ? o.exitValue : nil, signal: signal,
            wallSeconds: o.wallSeconds, userCPUSeconds: userCPU, systemCPUSeconds: systemCPU, peakMemoryBytes: peak,
            stdout: o.stdout.captured, stderr: o.stderr.captured, limitsHit: hits,
            deniedSyscalls: o.recorder.denied, recordedSyscalls: o.recorder.recorded,
            killedBySyscall: o.recorder.killedBy,
            syscallDetailsOmitted: o.recorder.detailsOmitted > 0 ? o.recorder.detailsOmitted : nil,
            peakMemoryScope: cgroupPeak == nil ? "largest_process" : "cgroup",
            manifest: manifest(plan: plan, profile: profile, profileDigest: profileDigest, filter: filter, cgroup: cgroup, host: host,
                               watchesDescendants: o.descendantSignals != nil))
    }

    /// The limit hits and termination `csup_outcome_judge` finds in an
    /// observation.
    static func judge(_ o: Observation, limits: ResourceLimits, cgroupUsage: RunCgroup.Usage?,
                      countsCPU: Bool) -> (hits: [LimitHit], termination: RunResult.Termination) {
        var input = csup_outcome_input()
        input.exited = o.exitKind == 1 ? 1 : 0
        input.exit_value = o.exitValue
        input.user_cpu_seconds = seconds(o.usage.ru_utime)
        input.system_cpu_seconds = seconds(o.usage.ru_stime)
        input.timed_out = o.timedOut ? 1 : 0
        input.cancelled = o.cancelled ? 1 : 0
        input.killed_by_foreign_syscall = o.recorder.killedBy != nil ? 1 : 0
        input.cpu_budget_exceeded = o.cpuBudgetExceeded != nil ? 1 : 0
        input.cpu_budget_used_seconds = o.cpuBudgetExceeded ?? 0
        if let usage = cgroupUsage {
            input.cgroup = csup_cgroup_counts(present: 1, counts_cpu: countsCPU ? 1 : 0, memory_limit_hits: usage.memoryLimitHits,
                                              oom_kills: usage.oomKills, pids_limit_hits: usage.pidsLimitHits,
                                              cpu_ns: usage.cpuNanoseconds)
        }
        input.stdout_truncated = o.stdout.truncated ? 1 : 0
        input.stderr_truncated = o.stderr.truncated ? 1 : 0
        if let signals = o.descendantSignals {
            input.descendants_watched = 1
            input.descendant_sigxfsz = UInt64(signals[SIGXFSZ] ?? 0)
            input.descendant_sigxcpu = UInt64(signals[SIGXCPU] ?? 0)
        }
        input.descendant_events_lost = o.descendantEventsLost ? 1 : 0
        var inForce = csup_limits_in_force(wall_seconds: limits.wallSeconds, cpu_seconds: limits.cpuSeconds,
                                           memory_bytes: limits.memoryBytes, processes: limits.processes,
                                           output_bytes: limits.outputBytes, file_size_bytes: limits.fileSizeBytes)
        var outcome = csup_outcome()
        csup_outcome_judge(&input, &inForce, &outcome)
        return (hits(of: outcome), termination(of: outcome))
    }

    private static func hits(of outcome: csup_outcome) -> [LimitHit] {
        withUnsafeBytes(of: outcome.hits) { raw in
            raw.bindMemory(to: csup_limit_hit.self).prefix(Int(outcome.hit_count)).map { hit in
                let evidence = withUnsafeBytes(of: hit.evidence) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return LimitHit(kind: kind(of: hit.kind), limit: hit.limit, evidence: evidence)
            }
        }
    }

    private static func kind(of kind: Int32) -> LimitHit.Kind {
        switch UInt32(kind) {
        case CSUP_LIMIT_WALL_CLOCK.rawValue: .wallClock
        case CSUP_LIMIT_CPU_TIME.rawValue: .cpuTime
        case CSUP_LIMIT_MEMORY.rawValue: .memory
        case CSUP_LIMIT_PROCESSES.rawValue: .processes
        case CSUP_LIMIT_OUTPUT_BYTES.rawValue: .outputBytes
        case CSUP_LIMIT_FILE_SIZE.rawValue: .fileSize
        case CSUP_LIMIT_OPEN_FILES.rawValue: .openFiles
        default: preconditionFailure("csup_outcome_judge reported limit kind \(kind)")
        }
    }

    private static func termination(of outcome: csup_outcome) -> RunResult.Termination {
        switch UInt32(outcome.termination) {
        case CSUP_TERM_EXITED.rawValue: .exited
        case CSUP_TERM_SIGNALED.rawValue: .signaled
        case CSUP_TERM_LIMIT_KILLED.rawValue: .limitKilled
        case CSUP_TERM_CANCELLED.rawValue: .cancelled
        default: preconditionFailure("csup_outcome_judge reported termination \(outcome.termination)")
        }
    }

    /// The limit kinds whose hits this run can't see (see the manifest's
    /// `limitsUnobserved`).
    static func unobservedLimits(cgroup: RunCgroup?, watchesDescendants: Bool) -> [String] {
        let controllers = cgroup?.controllers ?? []
        var kinds: [LimitHit.Kind] = [.openFiles]
        if !controllers.contains("memory") { kinds.append(.memory) }
        if !controllers.contains("pids") { kinds.append(.processes) }
        // The cgroup's CPU count sees every process; without it, only the
        // process events name a child that hit its own RLIMIT_CPU.
        if !watchesDescendants && !(cgroup?.countsCPU ?? false) { kinds.append(.cpuTime) }
        if !watchesDescendants { kinds.append(.fileSize) }
        return kinds.map(\.rawValue)
    }

    static func manifest(plan: LaunchPlan, profile: SandboxProfile, profileDigest: String, filter: CompiledFilter, cgroup: RunCgroup?,
                         host: HostCapabilities, watchesDescendants: Bool) -> EnforcementManifest {
        let l = plan.limits
        var limits: [String: UInt64] = [
            LimitHit.Kind.wallClock.rawValue: UInt64(l.wallSeconds.rounded(.up)),
            LimitHit.Kind.cpuTime.rawValue: l.cpuSeconds,
            LimitHit.Kind.memory.rawValue: l.memoryBytes,
            LimitHit.Kind.processes.rawValue: l.processes,
            LimitHit.Kind.outputBytes.rawValue: l.outputBytes,
            LimitHit.Kind.fileSize.rawValue: l.fileSizeBytes,
            LimitHit.Kind.openFiles.rawValue: l.openFiles,
        ]
        // The rlimits that have no limit kind of their own (core dumps,
        // queued signals, message-queue bytes) are in force too.
        limits.merge(plan.rlimitsInForce) { kindValue, _ in kindValue }
        if cgroup?.controllers.contains("cpu") == true { limits["cpu_quota_percent"] = UInt64(100 * RunCgroup.cpuQuotaMicros / RunCgroup.cpuPeriodMicros) }
        var root = plan.mountDescription
        if !plan.root.mounts.skippedOptional.isEmpty {
            root.append("optional sources absent on this host: " + plan.root.mounts.skippedOptional.joined(separator: ", "))
        }
        root.append("root tmpfs read-only after setup")
        return EnforcementManifest(
            profile: profile.name, profileDigest: profileDigest, namespaces: plan.root.namespaces.sorted(),
            uidInside: profile.identity.uid, gidInside: profile.identity.gid,
            uidOutside: plan.root.uidOutside, gidOutside: plan.root.gidOutside, rootFilesystem: root,
            network: networkDescription(profile.network),
            landlockABI: host.landlockABI, landlockFilesystemRights: plan.root.landlock.manifestRights,
            landlockNetworkRule: plan.root.landlock.networkRule,
            seccompFilterDigest: filter.digest,
            seccompDefaultAction: "notify listener: ENOSYS for unknown, EPERM for denied; foreign architecture kills",
            seccompAllowedSyscalls: filter.allowedCount,
            capabilities: "none (effective, permitted, inheritable, ambient and bounding sets empty; securebits locked)",
            noNewPrivs: true,
            cgroupVersion: cgroup?.version.rawValue ?? "none",
            cgroupControllers: cgroup?.controllers ?? [],
            limits: limits.merging(plan.usesRlimitForMemory ? ["memory_rlimit_as": l.memoryBytes] : [:]) { a, _ in a },
            limitsUnobserved: unobservedLimits(cgroup: cgroup, watchesDescendants: watchesDescendants),
            recordedSyscalls: filter.recorded)
    }

    static func networkDescription(_ network: NetworkPolicy) -> String {
        switch network {
        case .none: "none: empty network namespace"
        case .loopback: "loopback only: new network namespace with lo up"
        case .host: "host network (granted explicitly by the profile)"
        }
    }

    private static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
}
