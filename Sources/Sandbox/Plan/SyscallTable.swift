import CSeccomp
import Foundation

/// Syscall names ↔ numbers for the native architecture (via libseccomp),
/// and the set no profile can allow.
public enum SyscallTable {
    /// Syscalls no profile can allow (the profile loader's list, plus
    /// clone3 which fails with ENOSYS). The compiler re-checks it, so a
    /// profile built in code can't allow them either.
    public static var alwaysDenied: Set<String> { SyscallRestrictions.alwaysDenied.union(SyscallRestrictions.enosys) }

    /// The native number of a syscall, or nil if it doesn't exist here
    /// (the profile loader's table, so both sides resolve names alike).
    public static func number(of name: String) -> Int32? { SyscallNames.number(of: name) }

    /// The name of a native syscall number ("syscall_N" when unknown).
    public static func name(of nr: Int32) -> String { SyscallNames.name(of: nr) ?? "syscall_\(nr)" }

    /// A name for a syscall of another architecture, e.g. "x86:getpid".
    public static func name(of nr: Int32, arch: UInt32) -> String {
        let archName = arch == 0x4000_0003 ? "x86" : "arch_\(String(arch, radix: 16))"
        let bare = nr & ~0x4000_0000
        let resolvedArch = (arch == seccomp_arch_native() && nr != bare) ? UInt32(0x4000_003E) : arch // x32
        guard let cName = seccomp_syscall_resolve_num_arch(resolvedArch, bare) else { return "\(archName):syscall_\(nr)" }
        defer { free(cName) }
        return (resolvedArch == 0x4000_003E ? "x32" : archName) + ":" + String(cString: cName)
    }
}
