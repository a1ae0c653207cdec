import CSeccomp
import CSupervisor
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

    /// A name for a syscall of another architecture, e.g. "x86:getpid"
    /// (CSupervisor's rule, which the C front end uses too).
    public static func name(of nr: Int32, arch: UInt32) -> String {
        var buffer = [CChar](repeating: 0, count: 96)
        csup_foreign_syscall_name(nr, arch, &buffer, buffer.count)
        return String(cString: buffer)
    }
}
