import CSupervisor
import Foundation
import Glibc
import Testing
@testable import Sandbox

/// The flat verdict table a real profile compiles to, and the C rule that
/// answers from it (the one rule both the Swift recorder and the C front
/// end use): each kind of trapped call gets the answer the listener has
/// always given, and a table whose bytes don't add up is refused before
/// anything answers from it.
@Suite("Seccomp verdict table")
struct VerdictTableTests {
    /// The shipped strict profile's filter, compiled once; a failure to
    /// compile fails each test instead of the whole process.
    static let compiled = Result {
        let profile = try ProfileCatalog.shipped().resolve(name: "strict")
        return try SeccompCompiler.compile(profile.seccomp, record: profile.record)
    }
    static var strict: CompiledFilter { get throws { try compiled.get() } }
    static let tiocsti: UInt64 = 0x5412
    static let tioclinux: UInt64 = 0x541C
    static let i386: UInt32 = 0x4000_0003
    static let x32Bit: Int32 = 0x4000_0000

    static func nr(_ name: String) throws -> Int32 { try #require(SyscallTable.number(of: name)) }

    static func answer(_ name: String, arg1: UInt64 = 0) throws -> CompiledFilter.Answer {
        let filter = try strict
        return filter.answer(for: try nr(name), arch: filter.nativeArch, argument1: arg1)
    }

    @Test("a recorded syscall runs and is recorded")
    func recorded() throws {
        #expect(try Self.answer("execve") == .continueRecorded)
        #expect(try Self.answer("execveat") == .continueRecorded)
        // Written files are recorded: openat trapped (the filter lets reads run).
        #expect(try Self.answer("openat") == .continueRecorded)
    }

    @Test("a denied syscall fails with its errno")
    func denied() throws {
        #expect(try Self.answer("mount") == .deny(errno: EPERM))
        #expect(try Self.answer("ptrace") == .deny(errno: EPERM))
        #expect(try Self.answer("clone3") == .deny(errno: ENOSYS))
    }

    @Test("a syscall the table doesn't list fails with ENOSYS", arguments: [Int32(1000), 0x3FFF_FFFF])
    func unknown(nr: Int32) throws {
        let filter = try Self.strict
        #expect(filter.verdicts[nr] == nil)
        #expect(filter.answer(for: nr, arch: filter.nativeArch, argument1: 0) == .deny(errno: ENOSYS))
    }

    @Test("ioctl: the terminal-injection requests are refused, any other request runs unrecorded")
    func ioctlRequests() throws {
        #expect(try Self.answer("ioctl", arg1: Self.tiocsti) == .deny(errno: EPERM))
        #expect(try Self.answer("ioctl", arg1: Self.tioclinux) == .deny(errno: EPERM))
        for other: UInt64 in [0x5430, 0x5413, 0x5411, 0x541D, 0] {
            #expect(try Self.answer("ioctl", arg1: other) == .continueUnrecorded, "request 0x\(String(other, radix: 16))")
        }
    }

    /// The kernel reads an ioctl request as 32 bits: high bits set must not
    /// disguise TIOCSTI, and a request whose low half is harmless stays so.
    @Test("ioctl requests compare on their low 32 bits")
    func ioctlLow32Bits() throws {
        for disguised: UInt64 in [0x1_0000_5412, 0xFFFF_FFFF_0000_5412, 0x8000_0000_0000_541C] {
            #expect(try Self.answer("ioctl", arg1: disguised) == .deny(errno: EPERM), "request 0x\(String(disguised, radix: 16))")
        }
        #expect(try Self.answer("ioctl", arg1: 0x5412_0000_0000) == .continueUnrecorded)
    }

    @Test("another architecture's syscall, or one with the x32 bit, kills the sandbox")
    func foreign() throws {
        let filter = try Self.strict
        let getpid = try Self.nr("getpid"), execve = try Self.nr("execve")
        #expect(filter.answer(for: 20, arch: Self.i386, argument1: 0) == .killForeignArchitecture)
        // Even a number the native table lists, under another architecture.
        #expect(filter.answer(for: execve, arch: Self.i386, argument1: 0) == .killForeignArchitecture)
        let native = filter.nativeArch
        #expect(filter.answer(for: getpid | Self.x32Bit, arch: native, argument1: 0) == .killForeignArchitecture)
        #expect(filter.answer(for: execve | Self.x32Bit, arch: native, argument1: 0) == .killForeignArchitecture)
        #expect(filter.answer(for: -1, arch: native, argument1: 0) == .killForeignArchitecture)
    }

    /// Every number from 0 to past the last syscall, against the verdicts
    /// the table was built from: the binary search finds each listed entry
    /// and no unlisted one.
    @Test("each number answers as its verdict says")
    func everyNumber() throws {
        let filter = try Self.strict
        #expect(filter.verdicts.count > 40)
        for nr in Int32(0)..<1100 {
            let answer = filter.answer(for: nr, arch: filter.nativeArch, argument1: 0)
            let expected: CompiledFilter.Answer = switch filter.verdicts[nr] {
            case nil: .deny(errno: ENOSYS)
            case .continueAndRecord: .continueRecorded
            case .deny(let errno): .deny(errno: errno)
            case .denyRequests(let requests, let errno): requests.contains(0) ? .deny(errno: errno) : .continueUnrecorded
            }
            #expect(answer == expected, "syscall \(nr)")
        }
    }

    /// The bytes mean the same wherever they sit: a copy at an odd address
    /// (as a slice of a file read back might be) answers like the original.
    @Test("the table answers the same from any address")
    func positionIndependent() throws {
        let filter = try Self.strict
        let table = [UInt8](filter.verdictTable)
        var shifted = [UInt8](repeating: 0, count: table.count + 3)
        shifted.replaceSubrange(3..., with: table)
        let ioctl = try Self.nr("ioctl"), mount = try Self.nr("mount"), execve = try Self.nr("execve")
        let calls: [(Int32, UInt64)] = [(ioctl, Self.tiocsti), (ioctl, 0x5430), (mount, 0), (execve, 0), (1000, 0)]
        shifted.withUnsafeBytes { buffer in
            let odd = buffer.baseAddress! + 3
            #expect(csup_verdict_table_check(odd, table.count) == 0)
            for (nr, arg1) in calls {
                var error: Int32 = -1
                let answer = csup_verdict_answer(odd, nr, filter.nativeArch, arg1, &error)
                let expected = filter.answer(for: nr, arch: filter.nativeArch, argument1: arg1)
                switch expected {
                case .deny(let errno): #expect(answer == Int32(CSUP_ANSWER_DENY.rawValue) && error == errno, "syscall \(nr)")
                case .continueRecorded: #expect(answer == Int32(CSUP_ANSWER_CONTINUE_RECORDED.rawValue) && error == 0)
                case .continueUnrecorded: #expect(answer == Int32(CSUP_ANSWER_CONTINUE_UNRECORDED.rawValue) && error == 0)
                case .killForeignArchitecture: Issue.record("syscall \(nr) of the native architecture was foreign")
                }
            }
        }
    }

    // MARK: - Checking a table's bytes

    static let headerSize = MemoryLayout<csup_verdict_table>.size
    static let entrySize = MemoryLayout<csup_verdict_entry>.size

    static func check(_ table: Data) -> Int32 {
        table.withUnsafeBytes { csup_verdict_table_check($0.baseAddress, $0.count) }
    }

    /// `table` with the 32-bit field at `offset` set to `value`.
    static func setting(_ table: Data, at offset: Int, to value: UInt32) -> Data {
        var copy = table
        withUnsafeBytes(of: value) { copy.replaceSubrange(offset..<offset + 4, with: $0) }
        return copy
    }

    static func field(_ table: Data, at offset: Int) -> UInt32 {
        table.subdata(in: offset..<offset + 4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    static func entryOffset(_ index: Int, _ field: PartialKeyPath<csup_verdict_entry>) -> Int {
        headerSize + index * entrySize + MemoryLayout<csup_verdict_entry>.offset(of: field)!
    }

    /// Where the ioctl entry (the only one with requests) sits.
    static func index(of name: String, in filter: CompiledFilter) throws -> Int {
        try #require(filter.verdicts.keys.sorted().firstIndex(of: try nr(name)))
    }

    @Test("the compiled table passes the check, and is laid out as its header says")
    func compiledTablePasses() throws {
        let filter = try Self.strict
        let table = filter.verdictTable
        #expect(Self.check(table) == 0)
        #expect(table.prefix(8) == Data("AIRVRD01".utf8))
        #expect(Self.field(table, at: 16) == UInt32(filter.verdicts.count))
        #expect(table.count == Self.headerSize + filter.verdicts.count * Self.entrySize + 2 * 4)
    }

    @Test("a truncated or padded table is refused")
    func truncated() throws {
        let table = try Self.strict.verdictTable
        for cut in [Data(), table.prefix(Self.headerSize - 1), table.prefix(Self.headerSize),
                    table.dropLast(), table.dropLast(4), table.dropLast(Self.entrySize), table + Data([0])] {
            #expect(Self.check(Data(cut)) == -EINVAL, "\(cut.count) of \(table.count) bytes")
        }
        var wrongMagic = table
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(Self.check(wrongMagic) == -EINVAL, "wrong magic")
    }

    @Test("an entry out of order, or listed twice, is refused")
    func unsorted() throws {
        let filter = try Self.strict
        let table = filter.verdictTable
        let first = Self.entryOffset(0, \.nr), second = Self.entryOffset(1, \.nr)
        let a = Self.field(table, at: first), b = Self.field(table, at: second)
        let swapped = Self.setting(Self.setting(table, at: first, to: b), at: second, to: a)
        #expect(Self.check(swapped) == -EINVAL)
        #expect(Self.check(Self.setting(table, at: second, to: a)) == -EINVAL)
        // The last entry moved below the first.
        let last = Self.entryOffset(filter.verdicts.count - 1, \.nr)
        #expect(Self.check(Self.setting(table, at: last, to: UInt32(bitPattern: -5))) == -EINVAL)
    }

    @Test("a request range past the table's requests is refused")
    func requestsOutOfRange() throws {
        let filter = try Self.strict
        let table = filter.verdictTable
        let ioctl = try Self.index(of: "ioctl", in: filter)
        let firstRequest = Self.entryOffset(ioctl, \.first_request), requestCount = Self.entryOffset(ioctl, \.request_count)
        #expect(Self.check(Self.setting(table, at: requestCount, to: 3)) == -EINVAL)
        #expect(Self.check(Self.setting(table, at: firstRequest, to: 1)) == -EINVAL)
        #expect(Self.check(Self.setting(table, at: firstRequest, to: 3)) == -EINVAL)
        // A count so large that first + count wraps around to a small number.
        let wrapping = Self.setting(Self.setting(table, at: firstRequest, to: 1), at: requestCount, to: UInt32.max)
        #expect(Self.check(wrapping) == -EINVAL)
        // Within bounds is fine: only the first of the two requests.
        #expect(Self.check(Self.setting(table, at: requestCount, to: 1)) == 0)
    }

    @Test("an unknown kind, or a denial without an errno, is refused")
    func kindsAndErrnos() throws {
        let filter = try Self.strict
        let table = filter.verdictTable
        let mount = try Self.index(of: "mount", in: filter)
        #expect(Self.check(Self.setting(table, at: Self.entryOffset(mount, \.kind), to: 7)) == -EINVAL)
        #expect(Self.check(Self.setting(table, at: Self.entryOffset(mount, \.error), to: 0)) == -EINVAL)
        #expect(Self.check(Self.setting(table, at: Self.entryOffset(mount, \.error), to: 4096)) == -EINVAL)
        // A denial can't borrow requests.
        #expect(Self.check(Self.setting(table, at: Self.entryOffset(mount, \.request_count), to: 1)) == -EINVAL)
        // The unknown-syscall errno, in the header after magic and arch.
        #expect(Self.check(Self.setting(table, at: 12, to: 0)) == -EINVAL)
    }
}
