import CJail

/// Work done ahead of time — warm children, network namespaces — runs at a
/// lower CPU priority than launches. On a two-core host a pool refilling
/// at full priority competes with the very launch it prepares for; niced,
/// it takes the time launches leave idle.
///
/// Only where Airlock may raise a priority again (root): a warm child
/// inherits its creator's niceness, and a launch that takes it must give
/// the command the launcher's own priority back.
enum BackgroundPriority {
    /// How much lower than the launcher's.
    static let niceness: Int32 = 10

    /// The launcher's own nice value, what commands run at.
    static let launcherNice: Int32 = cjail_nice_of_thread(0)

    /// Whether pools lower their priority here (root can restore it).
    static func applies(on host: HostCapabilities) -> Bool { host.isRoot && launcherNice > -1000 }

    /// Lowers the calling (pool) thread's priority.
    static func lowerCallingThread() {
        _ = cjail_set_nice(0, min(19, launcherNice + niceness))
    }

    /// Gives a warm child, about to run a command, the launcher's priority.
    /// Fails only without CAP_SYS_NICE, where no pool thread was lowered.
    static func restore(pid: Int32) {
        guard launcherNice > -1000 else { return }
        _ = cjail_set_nice(pid, launcherNice)
    }
}
