import AirlockCore
import CSupervisor
import Foundation
import Testing
@testable import Sandbox

/// CSupervisor's `csup_outcome_judge`, called directly with crafted
/// observations: the rules that turn a run into limit hits and a
/// termination, which both the engine (RunResultBuilder) and the C
/// `airlock exec` front end report, so each rule, its wording and the order
/// of the hits are pinned here.
@Suite("Outcome judge")
struct OutcomeJudgeTests {
    struct Hit: Equatable, CustomStringConvertible {
        var kind: csup_limit_kind
        var limit: UInt64
        var evidence: String
        var description: String { "\(kind.rawValue) \(limit) \(evidence)" }
    }

    struct Judged {
        var termination: csup_termination
        var hits: [Hit]
        var kinds: [csup_limit_kind] { hits.map(\.kind) }
        func hit(_ kind: csup_limit_kind) -> Hit? { hits.first { $0.kind == kind } }
    }

    static let limits = csup_limits_in_force(wall_seconds: 30, cpu_seconds: 10, memory_bytes: 512 << 20, processes: 64,
                                             output_bytes: 1 << 20, file_size_bytes: 64 << 20)

    /// A run that exited 0 with nothing else observed, changed by `edit`.
    static func run(_ edit: (inout csup_outcome_input) -> Void = { _ in }) -> csup_outcome_input {
        var input = csup_outcome_input()
        input.exited = 1
        edit(&input)
        return input
    }

    static func killed(by signal: Int32, _ edit: (inout csup_outcome_input) -> Void = { _ in }) -> csup_outcome_input {
        run { $0.exited = 0; $0.exit_value = signal; edit(&$0) }
    }

    static func judge(_ input: csup_outcome_input, limits: csup_limits_in_force = limits) -> Judged {
        var input = input
        var limits = limits
        var outcome = csup_outcome()
        csup_outcome_judge(&input, &limits, &outcome)
        let hits = withUnsafeBytes(of: outcome.hits) { raw in
            raw.bindMemory(to: csup_limit_hit.self).prefix(Int(outcome.hit_count)).map { hit in
                Hit(kind: csup_limit_kind(UInt32(hit.kind)), limit: hit.limit,
                    evidence: withUnsafeBytes(of: hit.evidence) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
            }
        }
        return Judged(termination: csup_termination(UInt32(outcome.termination)), hits: hits)
    }

    static let cpuBudgetNanoseconds = LaunchSupervisor.CPUBudget.nanoseconds(for: ResourceLimits(cpuSeconds: limits.cpu_seconds))

    // MARK: Single rules

    @Test func aCleanExitHitsNothing() {
        for code: Int32 in [0, 1, SIGKILL, SIGXCPU, SIGXFSZ] {
            let judged = Self.judge(Self.run { $0.exit_value = code; $0.user_cpu_seconds = 100 })
            #expect(judged.hits.isEmpty, "exit code \(code): \(judged.hits)")
            #expect(judged.termination == CSUP_TERM_EXITED)
        }
        let judged = Self.judge(Self.killed(by: SIGTERM))
        #expect(judged.hits.isEmpty)
        #expect(judged.termination == CSUP_TERM_SIGNALED)
    }

    @Test func theWallClockLimitIsReportedInWholeSecondsRoundedUp() {
        for (wall, limit, text) in [(30.0, 30, "30.0"), (0.5, 1, "0.5"), (1.5, 2, "1.5"), (2.25, 3, "2.25"), (0.001, 1, "0.001")] {
            var limits = Self.limits
            limits.wall_seconds = wall
            let judged = Self.judge(Self.killed(by: SIGKILL) { $0.timed_out = 1 }, limits: limits)
            #expect(judged.hits == [Hit(kind: CSUP_LIMIT_WALL_CLOCK, limit: UInt64(limit),
                                        evidence: "still running after \(text)s; pid namespace killed")])
            #expect(judged.termination == CSUP_TERM_LIMIT_KILLED)
        }
    }

    /// The wall seconds read as Swift's interpolation writes them, for
    /// every power of two and a fixed spread of other doubles (decimal and
    /// exponent forms, both sides of 1e-4 and 2^53, subnormals).
    @Test func wallSecondsReadAsSwiftWritesThem() {
        var values: [Double] = [0.1, 1.0 / 3, 604_800, 123_456.789, 1e-4, 9.9e-5, 1e-5, 1e15, 0x1p53, 0x1p53 + 2, 1e16, 1e23,
                                .greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, .infinity, -0.0, -2.5]
        values += (-1074...1023).map { Double(sign: .plus, exponent: $0, significand: 1) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<3000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let x = Double(bitPattern: state)
            if x.isFinite { values.append(x) }
        }
        var limits = Self.limits
        var mismatches: [String] = []
        for x in values {
            limits.wall_seconds = x
            let evidence = Self.judge(Self.killed(by: SIGKILL) { $0.timed_out = 1 }, limits: limits).hit(CSUP_LIMIT_WALL_CLOCK)?.evidence
            if evidence != "still running after \(x)s; pid namespace killed" { mismatches.append("\(x): \(evidence ?? "no hit")") }
        }
        let count = mismatches.count
        #expect(count == 0, "\(count) of \(values.count) differ: \(mismatches.prefix(5))")
    }

    @Test func theCPUBudgetTheSupervisorEnforcedIsReportedFirstAmongCPUHits() {
        let judged = Self.judge(Self.killed(by: SIGXCPU) {
            $0.cpu_budget_exceeded = 1
            $0.cpu_budget_used_seconds = 11.04
            $0.descendants_watched = 1
            $0.descendant_sigxcpu = 2
        })
        #expect(judged.hits == [Hit(kind: CSUP_LIMIT_CPU_TIME, limit: 10, evidence:
            "the sandbox's processes used 11.0 s of CPU together (cgroup); pid namespace killed")])
        #expect(judged.termination == CSUP_TERM_LIMIT_KILLED)
    }

    /// The seconds read as Swift's `String(format: "%.1f")` writes them,
    /// ties and large values included.
    @Test func usedSecondsReadAsSwiftFormatsThem() {
        for used in [0.05, 0.15, 0.25, 11.04, 1e10, 18_446_744_073.709553] {
            let evidence = Self.judge(Self.killed(by: SIGKILL) { $0.cpu_budget_exceeded = 1; $0.cpu_budget_used_seconds = used })
                .hit(CSUP_LIMIT_CPU_TIME)?.evidence
            let expected = String(format: "the sandbox's processes used %.1f s of CPU together (cgroup); pid namespace killed", used)
            #expect(evidence == expected)
        }
    }

    @Test func rlimitCPUIsSIGXCPUOrSIGKILLOnceTheLimitIsUsed() {
        #expect(Self.judge(Self.killed(by: SIGXCPU)).hits == [Hit(kind: CSUP_LIMIT_CPU_TIME, limit: 10, evidence: "RLIMIT_CPU: SIGXCPU")])
        let atLimit = Self.judge(Self.killed(by: SIGKILL) { $0.user_cpu_seconds = 6; $0.system_cpu_seconds = 4 })
        #expect(atLimit.hits == [Hit(kind: CSUP_LIMIT_CPU_TIME, limit: 10, evidence: "RLIMIT_CPU: SIGKILL at the hard limit")])
        #expect(atLimit.termination == CSUP_TERM_LIMIT_KILLED)
        let below = Self.judge(Self.killed(by: SIGKILL) { $0.user_cpu_seconds = 6; $0.system_cpu_seconds = 3.99 })
        #expect(below.hits.isEmpty)
        #expect(below.termination == CSUP_TERM_SIGNALED)
    }

    @Test func anOOMKillIsAMemoryHitHoweverTheRunEnded() {
        let judged = Self.judge(Self.run { $0.exit_value = 1; $0.cgroup = Self.cgroup(oomKills: 1) })
        #expect(judged.hits == [Hit(kind: CSUP_LIMIT_MEMORY, limit: 512 << 20, evidence: "cgroup memory limit reached 0×, OOM kills: 1")])
        #expect(judged.termination == CSUP_TERM_EXITED)
        let timedOut = Self.judge(Self.killed(by: SIGKILL) { $0.timed_out = 1; $0.cgroup = Self.cgroup(limitHits: 2, oomKills: 1) })
        #expect(timedOut.kinds == [CSUP_LIMIT_WALL_CLOCK, CSUP_LIMIT_MEMORY])
    }

    /// The limit counter also rises on ordinary reclaim: without an OOM
    /// kill, only a SIGKILL that nothing else sent is the memory limit's.
    @Test func aMemoryLimitCountIsAHitOnlyWithASIGKILLNothingElseSent() {
        let memoryKill = Self.judge(Self.killed(by: SIGKILL) { $0.cgroup = Self.cgroup(limitHits: 3) })
        #expect(memoryKill.hits == [Hit(kind: CSUP_LIMIT_MEMORY, limit: 512 << 20, evidence: "cgroup memory limit reached 3×, OOM kills: 0")])
        #expect(memoryKill.termination == CSUP_TERM_LIMIT_KILLED)

        let others: [(String, (inout csup_outcome_input) -> Void)] = [
            ("wall clock", { $0.timed_out = 1 }), ("cancel", { $0.cancelled = 1 }),
            ("foreign syscall", { $0.killed_by_foreign_syscall = 1 }), ("CPU budget", { $0.cpu_budget_exceeded = 1 }),
        ]
        for (name, other) in others {
            let judged = Self.judge(Self.killed(by: SIGKILL) { $0.cgroup = Self.cgroup(limitHits: 3); other(&$0) })
            #expect(!judged.kinds.contains(CSUP_LIMIT_MEMORY), "a SIGKILL sent for the \(name) was taken for the memory limit")
        }
        #expect(Self.judge(Self.killed(by: SIGTERM) { $0.cgroup = Self.cgroup(limitHits: 3) }).hits.isEmpty)
        #expect(Self.judge(Self.run { $0.cgroup = Self.cgroup(limitHits: 3) }).hits.isEmpty)
    }

    @Test func cgroupCountsAreReadOnlyWhenPresent() {
        var absent = Self.cgroup(limitHits: 3, oomKills: 1, pidsHits: 2, cpuNanoseconds: Self.cpuBudgetNanoseconds * 2)
        absent.present = 0
        #expect(Self.judge(Self.killed(by: SIGKILL) { $0.cgroup = absent }).hits.isEmpty)
    }

    @Test func refusedForksAreAProcessesHit() {
        let judged = Self.judge(Self.run { $0.exit_value = 2; $0.cgroup = Self.cgroup(pidsHits: 2) })
        #expect(judged.hits == [Hit(kind: CSUP_LIMIT_PROCESSES, limit: 64, evidence: "cgroup pids.max refused 2 fork(s)")])
        #expect(judged.termination == CSUP_TERM_EXITED)
    }

    @Test func truncatedOutputNamesEachStream() {
        for (out, err, which) in [(1, 0, "stdout"), (0, 1, "stderr"), (1, 1, "stdout and stderr")] {
            let judged = Self.judge(Self.run { $0.stdout_truncated = Int32(out); $0.stderr_truncated = Int32(err) })
            #expect(judged.hits == [Hit(kind: CSUP_LIMIT_OUTPUT_BYTES, limit: 1 << 20, evidence: "\(which) truncated; the pipe was closed")])
        }
    }

    @Test func sigxfszIsAFileSizeHitButNotALimitKill() {
        let judged = Self.judge(Self.killed(by: SIGXFSZ))
        #expect(judged.hits == [Hit(kind: CSUP_LIMIT_FILE_SIZE, limit: 64 << 20, evidence: "RLIMIT_FSIZE: SIGXFSZ")])
        #expect(judged.termination == CSUP_TERM_SIGNALED)
    }

    // MARK: Descendants

    @Test func descendantsEndedByTheirLimitsAreHits() {
        let judged = Self.judge(Self.run { $0.descendants_watched = 1; $0.descendant_sigxfsz = 2; $0.descendant_sigxcpu = 1 })
        #expect(judged.hits == [
            Hit(kind: CSUP_LIMIT_FILE_SIZE, limit: 64 << 20, evidence: "RLIMIT_FSIZE: 2 process(es) started in the sandbox ended by SIGXFSZ"),
            Hit(kind: CSUP_LIMIT_CPU_TIME, limit: 10, evidence: "RLIMIT_CPU: 1 process(es) started in the sandbox ended by SIGXCPU"),
        ])
        #expect(judged.termination == CSUP_TERM_EXITED)
        let lost = Self.judge(Self.run { $0.descendants_watched = 1; $0.descendant_sigxcpu = 3; $0.descendant_events_lost = 1 })
        #expect(lost.hits.map(\.evidence) == ["RLIMIT_CPU: 3 process(es) started in the sandbox ended by SIGXCPU"
                                              + " (some process events were lost; there may have been more)"])
    }

    @Test func descendantCountsAreIgnoredWhenUnwatched() {
        let judged = Self.judge(Self.run { $0.descendant_sigxfsz = 2; $0.descendant_sigxcpu = 1; $0.descendant_events_lost = 1 })
        #expect(judged.hits.isEmpty)
    }

    /// The command's own signal is the more specific evidence: a
    /// descendant's hit of the same kind is not added.
    @Test func aDescendantHitIsAddedOnlyWithoutOneOfItsKind() {
        let fileSize = Self.judge(Self.killed(by: SIGXFSZ) { $0.descendants_watched = 1; $0.descendant_sigxfsz = 2 })
        #expect(fileSize.hits.map(\.evidence) == ["RLIMIT_FSIZE: SIGXFSZ"])
        let cpu = Self.judge(Self.killed(by: SIGXCPU) { $0.descendants_watched = 1; $0.descendant_sigxcpu = 2 })
        #expect(cpu.hits.map(\.evidence) == ["RLIMIT_CPU: SIGXCPU"])
        // A descendant's CPU hit makes a SIGKILLed run a limit kill.
        let killed = Self.judge(Self.killed(by: SIGKILL) { $0.descendants_watched = 1; $0.descendant_sigxcpu = 1 })
        #expect(killed.termination == CSUP_TERM_LIMIT_KILLED)
    }

    // MARK: The cgroup's CPU total

    @Test func theCgroupCPUTotalIsAHitPastTheBudget() {
        let over = Self.judge(Self.run { $0.cgroup = Self.cgroup(cpuNanoseconds: Self.cpuBudgetNanoseconds + 1) })
        #expect(over.hits == [Hit(kind: CSUP_LIMIT_CPU_TIME, limit: 10, evidence: "the sandbox's processes used 11.0 s of CPU together (cgroup)")])
        #expect(over.termination == CSUP_TERM_EXITED)
        let at = Self.judge(Self.run { $0.cgroup = Self.cgroup(cpuNanoseconds: Self.cpuBudgetNanoseconds) })
        #expect(at.hits.isEmpty, "the budget itself (the limit plus one second) was taken as over it")
        var uncounted = Self.cgroup(cpuNanoseconds: Self.cpuBudgetNanoseconds * 2)
        uncounted.counts_cpu = 0
        #expect(Self.judge(Self.run { $0.cgroup = uncounted }).hits.isEmpty)
    }

    @Test func theCgroupCPUTotalGivesWayToMoreSpecificCPUEvidence() {
        let over = Self.cgroup(cpuNanoseconds: Self.cpuBudgetNanoseconds * 2)
        let direct = Self.judge(Self.killed(by: SIGXCPU) { $0.cgroup = over })
        #expect(direct.hits.map(\.evidence) == ["RLIMIT_CPU: SIGXCPU"])
        let descendant = Self.judge(Self.run { $0.cgroup = over; $0.descendants_watched = 1; $0.descendant_sigxcpu = 1 })
        #expect(descendant.hits.map(\.evidence) == ["RLIMIT_CPU: 1 process(es) started in the sandbox ended by SIGXCPU"])
    }

    // MARK: Order and termination

    @Test func hitsComeInTheirFixedOrder() {
        let everything = Self.judge(Self.killed(by: SIGXFSZ) {
            $0.timed_out = 1
            $0.cpu_budget_exceeded = 1
            $0.cgroup = Self.cgroup(oomKills: 1, pidsHits: 1)
            $0.stderr_truncated = 1
        })
        #expect(everything.kinds == [CSUP_LIMIT_WALL_CLOCK, CSUP_LIMIT_CPU_TIME, CSUP_LIMIT_MEMORY, CSUP_LIMIT_PROCESSES,
                                     CSUP_LIMIT_OUTPUT_BYTES, CSUP_LIMIT_FILE_SIZE])
        let late = Self.judge(Self.run {
            $0.cgroup = Self.cgroup(pidsHits: 1, cpuNanoseconds: Self.cpuBudgetNanoseconds * 2)
            $0.stdout_truncated = 1
            $0.descendants_watched = 1
            $0.descendant_sigxfsz = 1
        })
        #expect(late.kinds == [CSUP_LIMIT_PROCESSES, CSUP_LIMIT_OUTPUT_BYTES, CSUP_LIMIT_FILE_SIZE, CSUP_LIMIT_CPU_TIME])
    }

    @Test func aCancelOrAForeignSyscallDecidesTheTermination() {
        let cancelled = Self.judge(Self.killed(by: SIGKILL) { $0.cancelled = 1; $0.timed_out = 1; $0.killed_by_foreign_syscall = 1 })
        #expect(cancelled.termination == CSUP_TERM_CANCELLED)
        #expect(cancelled.kinds == [CSUP_LIMIT_WALL_CLOCK])
        let foreign = Self.judge(Self.killed(by: SIGKILL) { $0.killed_by_foreign_syscall = 1; $0.timed_out = 1 })
        #expect(foreign.termination == CSUP_TERM_SIGNALED)
        #expect(foreign.kinds == [CSUP_LIMIT_WALL_CLOCK])
    }

    /// Only the wall clock, CPU time and memory kill a run; an exit is an
    /// exit whatever was hit.
    @Test func onlyKillingLimitsMakeALimitKill() {
        #expect(Self.judge(Self.killed(by: SIGKILL) { $0.cgroup = Self.cgroup(pidsHits: 1); $0.stdout_truncated = 1 }).termination
                == CSUP_TERM_SIGNALED)
        #expect(Self.judge(Self.run { $0.exit_value = 137; $0.cgroup = Self.cgroup(oomKills: 1) }).termination == CSUP_TERM_EXITED)
        #expect(Self.judge(Self.run { $0.timed_out = 1 }).termination == CSUP_TERM_EXITED)
    }

    // MARK: Shell status

    @Test func shellStatusAgreesWithRunResult() {
        for code: Int32 in [0, 1, 255] {
            #expect(csup_shell_status(1, code) == Self.result(exitCode: code, signal: nil).shellStatus)
        }
        for signal: Int32 in [9, 15, 31] {
            #expect(csup_shell_status(0, signal) == Self.result(exitCode: nil, signal: signal).shellStatus)
        }
    }

    // MARK: Helpers

    static func cgroup(limitHits: UInt64 = 0, oomKills: UInt64 = 0, pidsHits: UInt64 = 0, cpuNanoseconds: UInt64 = 0) -> csup_cgroup_counts {
        csup_cgroup_counts(present: 1, counts_cpu: 1, memory_limit_hits: limitHits, oom_kills: oomKills, pids_limit_hits: pidsHits,
                           cpu_ns: cpuNanoseconds)
    }

    static func result(exitCode: Int32?, signal: Int32?) -> RunResult {
        let output = CapturedOutput(text: "", totalBytes: 0, truncated: false)
        let manifest = EnforcementManifest(
            profile: "p", profileDigest: "d", namespaces: [], uidInside: 0, gidInside: 0, uidOutside: 0, gidOutside: 0,
            rootFilesystem: [], network: "none", landlockABI: 0, landlockFilesystemRights: [], landlockNetworkRule: nil,
            seccompFilterDigest: "f", seccompDefaultAction: "a", seccompAllowedSyscalls: 0, capabilities: "none", noNewPrivs: true,
            cgroupVersion: "none", cgroupControllers: [], limits: [:], recordedSyscalls: [])
        return RunResult(termination: exitCode == nil ? .signaled : .exited, exitCode: exitCode, signal: signal, wallSeconds: 0,
                         userCPUSeconds: 0, systemCPUSeconds: 0, peakMemoryBytes: 0, stdout: output, stderr: output, limitsHit: [],
                         deniedSyscalls: [], recordedSyscalls: [], killedBySyscall: nil, manifest: manifest)
    }
}
