import AirlockCore
import Foundation

/// Assembles the `RunResult` from what the supervisor observed, the cgroup's
/// counters and the plan that was actually applied.
enum RunResultBuilder {
    static func build(observation o: Observation, plan: LaunchPlan, profile: SandboxProfile, profileDigest: String, filter: CompiledFilter,
                      cgroupUsage: RunCgroup.Usage?, cgroup: RunCgroup?, host: HostCapabilities) -> RunResult {
        let limits = plan.limits
        let userCPU = seconds(o.usage.ru_utime)
        let systemCPU = seconds(o.usage.ru_stime)
        let exited = o.exitKind == 1
        let signal: Int32? = exited ? nil : o.exitValue

        var hits: [LimitHit] = []
        if o.timedOut {
            hits.append(LimitHit(kind: .wallClock, limit: UInt64(limits.wallSeconds.rounded(.up)),
                                 evidence: "still running after \(limits.wallSeconds)s; pid namespace killed"))
        }
        let cgroupCPU = cgroup?.countsCPU == true ? cgroupUsage.map { Double($0.cpuNanoseconds) / 1e9 } : nil
        if let used = o.cpuBudgetExceeded {
            hits.append(LimitHit(kind: .cpuTime, limit: limits.cpuSeconds,
                                 evidence: String(format: "the sandbox's processes used %.1f s of CPU together (cgroup); "
                                                  + "pid namespace killed", used)))
        } else if signal == SIGXCPU || (signal == SIGKILL && userCPU + systemCPU >= Double(limits.cpuSeconds)) {
            hits.append(LimitHit(kind: .cpuTime, limit: limits.cpuSeconds, evidence: "RLIMIT_CPU: \(signal == SIGXCPU ? "SIGXCPU" : "SIGKILL at the hard limit")"))
        }
        // The limit counter also rises on ordinary reclaim at the limit: with
        // no OOM kill counted, a SIGKILL is the memory limit's only when
        // nothing else (the wall clock, a cancel, a foreign-arch call) sent it.
        let killedByOther = o.timedOut || o.cancelled || o.recorder.killedBy != nil || o.cpuBudgetExceeded != nil
        if let usage = cgroupUsage, usage.oomKills > 0 || (usage.memoryLimitHits > 0 && signal == SIGKILL && !killedByOther) {
            hits.append(LimitHit(kind: .memory, limit: limits.memoryBytes,
                                 evidence: "cgroup memory limit reached \(usage.memoryLimitHits)×, OOM kills: \(usage.oomKills)"))
        }
        if let usage = cgroupUsage, usage.pidsLimitHits > 0 {
            hits.append(LimitHit(kind: .processes, limit: limits.processes,
                                 evidence: "cgroup pids.max refused \(usage.pidsLimitHits) fork(s)"))
        }
        if o.stdout.truncated || o.stderr.truncated {
            let which = [o.stdout.truncated ? "stdout" : nil, o.stderr.truncated ? "stderr" : nil].compactMap { $0 }
            hits.append(LimitHit(kind: .outputBytes, limit: limits.outputBytes,
                                 evidence: "\(which.joined(separator: " and ")) truncated; the pipe was closed"))
        }
        if signal == SIGXFSZ {
            hits.append(LimitHit(kind: .fileSize, limit: limits.fileSizeBytes, evidence: "RLIMIT_FSIZE: SIGXFSZ"))
        }
        // The same limits, hit by processes the command started.
        let descendants = o.descendantSignals ?? [:]
        let lost = o.descendantEventsLost ? " (some process events were lost; there may have been more)" : ""
        if let ended = descendants[SIGXFSZ], !hits.contains(where: { $0.kind == .fileSize }) {
            hits.append(LimitHit(kind: .fileSize, limit: limits.fileSizeBytes,
                                 evidence: "RLIMIT_FSIZE: \(ended) process(es) started in the sandbox ended by SIGXFSZ\(lost)"))
        }
        if let ended = descendants[SIGXCPU], !hits.contains(where: { $0.kind == .cpuTime }) {
            hits.append(LimitHit(kind: .cpuTime, limit: limits.cpuSeconds,
                                 evidence: "RLIMIT_CPU: \(ended) process(es) started in the sandbox ended by SIGXCPU\(lost)"))
        }
        // The total reached between two of the supervisor's checks, as the
        // run ended (the more specific evidence above comes first).
        let budget = Double(LaunchSupervisor.CPUBudget.nanoseconds(for: limits)) / 1e9
        if let used = cgroupCPU, used > budget, !hits.contains(where: { $0.kind == .cpuTime }) {
            hits.append(LimitHit(kind: .cpuTime, limit: limits.cpuSeconds,
                                 evidence: String(format: "the sandbox's processes used %.1f s of CPU together (cgroup)", used)))
        }

        let termination: RunResult.Termination
        if o.cancelled {
            termination = .cancelled
        } else if o.recorder.killedBy != nil {
            termination = .signaled
        } else if hits.contains(where: { [.wallClock, .cpuTime, .memory].contains($0.kind) }) && !exited {
            termination = .limitKilled
        } else {
            termination = exited ? .exited : .signaled
        }

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
