import CSeccomp
import Glibc
import Testing
@testable import Sandbox

/// The rules a condition compiles to, evaluated the way the filter
/// evaluates libseccomp comparisons (all 64 bits of the register), against
/// what the condition means to the kernel (most arguments are 32-bit ints).
@Suite("Seccomp compiler rules")
struct SeccompConditionRulesTests {
    static func matches(_ rules: [[scmp_arg_cmp]], _ value: UInt64) -> Bool {
        rules.contains { rule in
            rule.allSatisfy { comparison in
                switch comparison.op {
                case SCMP_CMP_EQ: value == comparison.datum_a
                case SCMP_CMP_LT: value < comparison.datum_a
                case SCMP_CMP_MASKED_EQ: value & comparison.datum_a == comparison.datum_b
                // The compiler emits no other operator: one would count as no match.
                default: false
                }
            }
        }
    }

    static let samples: [UInt64] = [0, 1, 2, 3, 9, 10, 11, 40, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF,
                                    1 << 32, (1 << 32) | 10, (1 << 32) | 40, UInt64.max]

    @Test("!= holds for exactly the 32-bit values other than the excluded one", arguments: [UInt64(0), 2, 10, 0xFFFF_FFFF, 1 << 40])
    func notEqual(excluded: UInt64) {
        let condition = SyscallCondition(syscall: "socket", argument: 1, op: .notEqual, value: excluded)
        let rules = SeccompCompiler.rules(for: condition)
        for value in Self.samples {
            let expected = value <= 0xFFFF_FFFF && value != excluded
            #expect(Self.matches(rules, value) == expected, "value 0x\(String(value, radix: 16))")
            #expect(condition.holds(for: value) == expected)
        }
        #expect(rules.count <= 33)
        #expect(rules.flatMap { $0 }.allSatisfy { [SCMP_CMP_LT, SCMP_CMP_MASKED_EQ].contains($0.op) })
    }

    @Test("socket rules name a permitted family, whatever the condition")
    func socketFamilies() {
        let families = SyscallRestrictions.socketFamilies["socket"]!
        let onType = SeccompCompiler.familyRules(families, [SyscallCondition(syscall: "socket", argument: 1, op: .notEqual, value: 2)])
        #expect(onType.allSatisfy { rule in rule.contains { $0.arg == 0 && $0.op == SCMP_CMP_EQ && families.contains($0.datum_a) } })
        let onFamily = SeccompCompiler.familyRules(families, [SyscallCondition(syscall: "socket", argument: 0, op: .notEqual, value: 10)])
        #expect(onFamily.map { $0.map(\.datum_a) } == [[1], [2], [16]])
    }

    /// Profiles read from files can't list a syscall under both; one built
    /// in code can, and then the deny wins.
    @Test("a syscall both allowed and denied is denied")
    func denyWins() throws {
        let filter = try SeccompCompiler.compile(SeccompPolicy(allow: ["getpid", "getppid"], deny: ["getpid"]), record: [])
        let getpid = try #require(SyscallTable.number(of: "getpid"))
        #expect(filter.verdicts[getpid] == .deny(errno: EPERM))
        #expect(filter.allowedCount == 1)
    }
}
