import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

/// Syscall names as the seccomp compiler will understand them.
///
/// Profiles name syscalls as on x86_64 (the only architecture the filter
/// admits: a foreign arch is killed). Validation asks the same libseccomp the
/// plan compiler uses, so a name that passes here always compiles, and a typo
/// (`opnat`) is an error instead of a silently missing rule.
public enum SyscallNames {
    /// `AUDIT_ARCH_X86_64`: EM_X86_64 (62) | 64-bit | little-endian. The
    /// C macro is an expression Swift does not import.
    static let x86_64Arch: UInt32 = 0xC000_003E

    /// The syscall number on x86_64, or nil when libseccomp does not know
    /// the name for this architecture.
    public static func number(of name: String) -> Int32? {
        let number = seccomp_syscall_resolve_name_arch(x86_64Arch, name)
        return number >= 0 ? number : nil
    }

    public static func isKnown(_ name: String) -> Bool { number(of: name) != nil }

    /// The x86_64 name of a syscall number (for decoding recorder events).
    public static func name(of number: Int32) -> String? {
        guard let cName = seccomp_syscall_resolve_num_arch(x86_64Arch, number) else { return nil }
        defer { free(cName) }
        return String(cString: cName)
    }

    /// Every x86_64 syscall name libseccomp knows, for "did you mean" hints.
    static let all: [String] = (0..<1024).compactMap { name(of: Int32($0)) }
}
