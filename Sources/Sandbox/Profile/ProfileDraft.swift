/// A profile while `extends:` is being resolved: the parent chain merged so
/// far, every value still carrying the place it was written.
struct ProfileDraft: Sendable {
    var settings = ProfileSettings()
    /// Allowed outright: syscall → where it was allowed.
    var allowed: [String: SourceLocation] = [:]
    /// Refused with EPERM: syscall → where it was denied.
    var denied: [String: SourceLocation] = [:]
    var conditions: [Located<SyscallCondition>] = []
    var record: [String: SourceLocation] = [:]

    func conditions(on syscall: String) -> [Located<SyscallCondition>] {
        conditions.filter { $0.value.syscall == syscall }
    }
}
