import AirlockCore
import CJail
import CSeccomp
import CSupervisor
import Foundation

/// A compiled seccomp program plus what the notify listener needs to answer
/// on the filter's behalf.
///
/// Shape of the filter (libseccomp, native architecture only):
/// - a foreign architecture (i386 via `int 0x80`, anything not native) kills
///   the process;
/// - allowed syscalls return ALLOW in the filter itself, argument conditions
///   included (clone without namespace flags, open without write flags...);
/// - `clone3` fails with ENOSYS in the filter (libc falls back to `clone`,
///   whose flags the filter can see);
/// - `ioctl` requests below TIOCSTI (compared on all 64 bits) and a fixed
///   list of common ones (compared on the low 32 bits the kernel uses) are
///   allowed in the filter; the rest reach the listener, which refuses
///   TIOCSTI/TIOCLINUX with EPERM and records them;
/// - everything else goes to the notify listener (the default action). The
///   listener answers from `verdictTable` (`verdicts`, laid out for C):
///   CONTINUE only for calls the profile allows and wants observed; EPERM
///   for known-denied ones; ENOSYS for unknown ones. If the listener is gone
///   the kernel fails them all with ENOSYS, so a lost listener never opens
///   anything up.
public struct CompiledFilter: Sendable {
    /// What the profile decided for one syscall number.
    public enum Verdict: Sendable, Hashable {
        /// Allowed by the profile, observed: let it run, record it.
        case continueAndRecord
        /// Allowed, except the requests listed (arg 1's low 32 bits, as the
        /// kernel reads an ioctl request), which fail with `errno` and are
        /// recorded. Routed to the listener only because the filter can't
        /// compare 32 of an argument's 64 bits for inequality; the request
        /// is a register, read once by the kernel, so the answer is exact.
        case denyRequests(Set<UInt32>, errno: Int32)
        /// Denied: fail with this errno and record it.
        case deny(errno: Int32)
    }

    /// What the listener answers for one trapped call (csup_answer).
    public enum Answer: Sendable, Hashable {
        /// Let it run, record it ("allowed").
        case continueRecorded
        /// An ioctl request that is not one of its `denyRequests`: let it
        /// run, don't record it (it is there only for the filter's sake).
        case continueUnrecorded
        /// Fail it with this errno and record it.
        case deny(errno: Int32)
        /// Another architecture's syscall (int 0x80, x32): kill the sandbox.
        case killForeignArchitecture
    }

    public var program: Data
    public var digest: String
    public var allowedCount: Int
    /// The verdicts `verdictTable` was built from, for reading in Swift.
    public let verdicts: [Int32: Verdict]
    /// `verdicts` as CSupervisor's flat verdict table (csup_verdicts.h),
    /// already checked: what every answer comes from, in Swift's recorder
    /// and (stored in a file) in the C front end alike. Constant, so it
    /// can't drift from `verdicts`.
    public let verdictTable: Data
    public var recorded: [String]
    /// The architecture the filter's numbers belong to (also in the table).
    public let nativeArch: UInt32

    /// What the listener answers for an unlisted syscall.
    public static let unknownSyscallErrno = ENOSYS

    /// The listener's answer for syscall `nr` of `arch` whose second
    /// argument is `argument1`, decided by the C rule so that Swift and the
    /// C front end can't answer differently.
    public func answer(for nr: Int32, arch: UInt32, argument1: UInt64) -> Answer {
        var error: Int32 = 0
        let answer = verdictTable.withUnsafeBytes { csup_verdict_answer($0.baseAddress, nr, arch, argument1, &error) }
        switch UInt32(bitPattern: answer) {
        case CSUP_ANSWER_CONTINUE_RECORDED.rawValue: return .continueRecorded
        case CSUP_ANSWER_CONTINUE_UNRECORDED.rawValue: return .continueUnrecorded
        case CSUP_ANSWER_DENY.rawValue: return .deny(errno: error)
        case CSUP_ANSWER_KILL_FOREIGN.rawValue: return .killForeignArchitecture
        // The C rule has no other answer; if it ever had one, fail the call
        // as the kernel does without a listener.
        default: return .deny(errno: Self.unknownSyscallErrno)
        }
    }
}

enum SeccompCompiler {
    // libseccomp's action macros are not importable into Swift.
    static let actAllow: UInt32 = 0x7fff_0000
    static let actNotify: UInt32 = 0x7fc0_0000
    static let actKillProcess: UInt32 = 0x8000_0000
    static func actErrno(_ e: Int32) -> UInt32 { 0x0005_0000 | (UInt32(e) & 0xffff) }

    /// clone() flags that would create namespaces.
    static let namespaceCloneFlags: UInt64 = 0x7E02_0000
    /// open/openat flags that make an open a write.
    static let writeOpenFlags: UInt64 = UInt64(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)
    /// ioctl requests above TIOCSTI that programs make often enough to
    /// keep out of the listener: TIOCGWINSZ to FIONREAD (the terminal
    /// queries between TIOCSTI and TIOCLINUX), FIONBIO, FIONCLEX, FIOCLEX,
    /// FIOASYNC. Never a terminal-injection request.
    static let ioctlFastPath: [UInt64] = Array(0x5413...0x541B) + [0x5421, 0x5450, 0x5451, 0x5452]
    /// Syscalls whose only purpose is to open for write when recorded.
    static let openLike: Set<String> = ["open", "openat", "openat2", "creat"]

    static func compile(_ policy: SeccompPolicy, record: [String]) throws -> CompiledFilter {
        guard let ctx = seccomp_init(actNotify) else {
            throw AirlockError(.setupFailed, "libseccomp could not create a filter context")
        }
        defer { seccomp_release(ctx) }
        // A foreign architecture (int 0x80, x32) goes to the listener, which
        // kills the whole sandbox before answering, and names the syscall.
        // Without a listener the kernel fails the call: it never runs.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, actNotify), "set the bad-arch action")
        // Airlock sets no_new_privs itself, in its fixed place in the sequence.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "leave no_new_privs to the launcher")
        // A binary tree over syscall numbers instead of a linear scan: the
        // kernel runs the program for every syscall (and for each number
        // when it loads it, to precompute always-allowed ones), so a
        // shorter path halves the load time.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "order the filter as a binary tree")

        var verdicts: [Int32: CompiledFilter.Verdict] = [:]
        let recordSet = Self.withEquivalents(Set(record).union(["execve", "execveat"]))
        // A syscall a profile both allows and denies is denied (profiles read
        // from files can't say both; one built in code might).
        let allowed = Set(policy.allow).subtracting(SyscallTable.alwaysDenied).subtracting(policy.deny)
        let conditioned = Dictionary(grouping: policy.conditions, by: \.syscall)
        var allowedCount = 0
        var recorded: [String] = []

        for name in allowed.sorted() {
            guard let nr = SyscallTable.number(of: name) else { continue }
            allowedCount += 1
            if let families = SyscallRestrictions.socketFamilies[name] {
                // Only the families a tool needs, with or without the
                // profile's conditions: each rule names its family.
                let conditions = conditioned[name] ?? []
                for rule in familyRules(families, conditions) {
                    try add(ctx, actAllow, nr, rule, "\(name) family")
                }
                verdicts[nr] = .deny(errno: conditions.isEmpty ? EAFNOSUPPORT : EPERM)
            } else if let conditions = conditioned[name] {
                for condition in conditions {
                    for rule in rules(for: condition) { try add(ctx, actAllow, nr, rule, "\(name) condition") }
                }
                verdicts[nr] = .deny(errno: EPERM)
            } else if name == "clone" {
                try add(ctx, actAllow, nr, [masked(0, namespaceCloneFlags, 0)], "clone without namespace flags")
                verdicts[nr] = .deny(errno: EPERM)
            } else if name == "ioctl" {
                // Common requests run without waking the listener, so a
                // loop of ioctls costs the supervisor nothing: every request
                // below TIOCSTI (compared on all 64 bits, so none has high
                // bits set), and a fixed list compared on the low 32. The
                // rest go to the listener, which refuses and records the
                // terminal-injection ones.
                let lowest = SyscallRestrictions.terminalInjectionIoctls.min()!
                try add(ctx, actAllow, nr, [scmp_arg_cmp(arg: 1, op: SCMP_CMP_LT, datum_a: lowest, datum_b: 0)],
                        "ioctl below the terminal-injection requests")
                for request in Self.ioctlFastPath {
                    try add(ctx, actAllow, nr, [masked(1, 0xffff_ffff, request)], "ioctl \(request)")
                }
                verdicts[nr] = .denyRequests(Set(SyscallRestrictions.terminalInjectionIoctls.map { UInt32($0) }), errno: EPERM)
            } else if recordSet.contains(name) {
                recorded.append(name)
                verdicts[nr] = .continueAndRecord
                if openLike.contains(name), let flagsArg = openFlagsArgument(name) {
                    // Reads run at full speed; only writes wake the listener.
                    try add(ctx, actAllow, nr, [masked(flagsArg, writeOpenFlags, 0)], "\(name) read-only")
                }
            } else {
                try add(ctx, actAllow, nr, [], name)
            }
        }
        if let clone3 = SyscallTable.number(of: "clone3") {
            // Answered by the listener, so the attempt is recorded.
            verdicts[clone3] = .deny(errno: ENOSYS)
        }
        for name in Set(policy.deny).union(SyscallTable.alwaysDenied).subtracting(["clone3"]) {
            guard let nr = SyscallTable.number(of: name), verdicts[nr] == nil else { continue }
            verdicts[nr] = .deny(errno: EPERM)
        }

        let program = try export(ctx)
        let nativeArch = seccomp_arch_native()
        let table = CompiledFilter.verdictTable(verdicts, nativeArch: nativeArch,
                                                unknownErrno: CompiledFilter.unknownSyscallErrno)
        // Checked once, here, as the C front end checks one it reads back:
        // every answer after that trusts the table's counts and ranges.
        guard table.withUnsafeBytes({ csup_verdict_table_check($0.baseAddress, $0.count) }) == 0 else {
            throw AirlockError(.setupFailed, "the syscall verdict table failed its check")
        }
        return CompiledFilter(program: program, digest: Digest.sha256Hex(program), allowedCount: allowedCount,
                              verdicts: verdicts, verdictTable: table, recorded: recorded.sorted(), nativeArch: nativeArch)
    }

    /// Syscalls that do the same thing by another entry point. Recording
    /// one and not the others would let a program hide a write or a rename
    /// by calling the legacy form (or openat2), so a profile that records
    /// one records its whole family.
    static let recordingFamilies: [Set<String>] = [
        ["open", "openat", "openat2", "creat"],
        ["unlink", "unlinkat", "rmdir"],
        ["rename", "renameat", "renameat2"],
        ["link", "linkat"],
        ["symlink", "symlinkat"],
        ["mkdir", "mkdirat"],
        ["truncate"],
        ["execve", "execveat"],
    ]

    static func withEquivalents(_ names: Set<String>) -> Set<String> {
        names.union(recordingFamilies.filter { !$0.isDisjoint(with: names) }.flatMap { $0 })
    }

    private static func openFlagsArgument(_ name: String) -> UInt32? {
        switch name {
        case "open": 1
        case "openat": 2
        default: nil // openat2 passes flags in a struct; creat always writes
        }
    }

    private static func masked(_ arg: UInt32, _ mask: UInt64, _ value: UInt64) -> scmp_arg_cmp {
        scmp_arg_cmp(arg: arg, op: SCMP_CMP_MASKED_EQ, datum_a: mask, datum_b: value)
    }

    /// The rules (alternatives, each a list of comparisons that must all
    /// hold) that allow a call exactly when `c` holds. Most arguments are
    /// 32-bit ints to the kernel, which ignores the high half of the
    /// register: `==` compares all 64 bits (a value with high bits set never
    /// matches, so it fails closed), and `!=` is spelled out as the ranges
    /// below and above the value with the high half clear, since a plain
    /// 64-bit `!=` would let 0x1_0000000a act as the excluded 10.
    static func rules(for c: SyscallCondition) -> [[scmp_arg_cmp]] {
        let arg = UInt32(c.argument)
        // The kernel reads an ioctl request as 32 bits: compare those alone,
        // or a value with high bits set would pass the check and act as its
        // low half (ConditionParser admits only `arg 1 == REQUEST` for ioctl).
        if c.syscall == "ioctl", c.argument == 1, c.op == .equal { return [[masked(1, 0xffff_ffff, c.value & 0xffff_ffff)]] }
        switch c.op {
        case .equal: return [[scmp_arg_cmp(arg: arg, op: SCMP_CMP_EQ, datum_a: c.value, datum_b: 0)]]
        case .maskedZero: return [[masked(arg, c.value, 0)]]
        case .notEqual:
            let highHalf: UInt64 = 0xFFFF_FFFF_0000_0000
            guard c.value <= 0xFFFF_FFFF else { return [[masked(arg, highHalf, 0)]] }
            var rules: [[scmp_arg_cmp]] = c.value > 0 ? [[scmp_arg_cmp(arg: arg, op: SCMP_CMP_LT, datum_a: c.value, datum_b: 0)]] : []
            // (value, 0xFFFFFFFF] as aligned power-of-two blocks, each one
            // masked comparison that also pins the high half to zero.
            var start = c.value + 1
            while start <= 0xFFFF_FFFF {
                var size: UInt64 = 1
                while start % (size * 2) == 0 && start + size * 2 - 1 <= 0xFFFF_FFFF { size *= 2 }
                rules.append([masked(arg, ~(size - 1), start)])
                start += size
            }
            return rules
        }
    }

    /// `socket`/`socketpair` rules: one per family the call may create,
    /// combined with each of the profile's conditions (a condition on the
    /// family itself picks among them).
    static func familyRules(_ families: [UInt64], _ conditions: [SyscallCondition]) -> [[scmp_arg_cmp]] {
        let family = { (value: UInt64) in scmp_arg_cmp(arg: 0, op: SCMP_CMP_EQ, datum_a: value, datum_b: 0) }
        guard !conditions.isEmpty else { return families.map { [family($0)] } }
        return conditions.flatMap { condition -> [[scmp_arg_cmp]] in
            if condition.argument == 0 { return families.filter { condition.holds(for: $0) }.map { [family($0)] } }
            let alternatives = rules(for: condition)
            return families.flatMap { value in alternatives.map { [family(value)] + $0 } }
        }
    }

    private static func add(_ ctx: scmp_filter_ctx, _ action: UInt32, _ nr: Int32, _ args: [scmp_arg_cmp],
                            _ what: String) throws {
        let rc = args.withUnsafeBufferPointer { buffer in
            seccomp_rule_add_array(ctx, action, nr, UInt32(buffer.count), buffer.baseAddress)
        }
        try check(rc, "add rule (\(what))")
    }

    private static func check(_ rc: Int32, _ what: String) throws {
        guard rc == 0 else {
            throw AirlockError(.setupFailed, "libseccomp failed to \(what): \(String(cString: strerror(-rc)))")
        }
    }

    /// libseccomp 2.5 can only export to a file descriptor: use a memfd.
    private static func export(_ ctx: scmp_filter_ctx) throws -> Data {
        let fd = cjail_memfd_create("airlock-seccomp")
        guard fd >= 0 else { throw AirlockError(.setupFailed, "memfd_create failed: \(String(cString: strerror(-fd)))") }
        defer { close(fd) }
        try check(seccomp_export_bpf(ctx, fd), "export the BPF program")
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0, size % 8 == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw AirlockError(.setupFailed, "libseccomp exported an empty or malformed BPF program")
        }
        var data = Data(count: Int(size))
        let got = data.withUnsafeMutableBytes { read(fd, $0.baseAddress, Int(size)) }
        guard got == size else { throw AirlockError(.setupFailed, "could not read back the BPF program") }
        return data
    }
}
