import CLaunchImage
import Foundation

/// Finds which cgroup hierarchy this host mounts and which of the
/// controllers Airlock uses (memory, pids, cpu; v1's cpuacct, which counts
/// the run's CPU time as a whole: v2 counts it in every cgroup) it may manage.
enum CgroupProbe {
    /// In claunch_cgroup_probe's bit order.
    static let wanted = ["memory", "pids", "cpu", "cpuacct"]
    static let base = "/sys/fs/cgroup"

    /// CLaunchImage's probe (the front end asks it again before running a
    /// saved plan), as a version and controller names.
    static func probe(isRoot: Bool) -> (HostCapabilities.CgroupVersion, [String], String?) {
        var usable: UInt32 = 0
        let version = claunch_cgroup_probe(&usable)
        let controllers = wanted.enumerated().filter { usable & (1 << UInt32($0.offset)) != 0 }.map(\.element)
        switch version {
        case 1: return (.v1, controllers, base)
        case 2: return (.v2, controllers, base)
        default: return (.none, [], nil)
        }
    }

    /// The probe's answer as claunch_cgroup_probe gives it.
    static func bits(version: HostCapabilities.CgroupVersion, controllers: [String]) -> (Int32, UInt32) {
        let number: Int32 = version == .v1 ? 1 : version == .v2 ? 2 : 0
        let mask = wanted.enumerated().reduce(UInt32(0)) { mask, entry in controllers.contains(entry.element) ? mask | 1 << UInt32(entry.offset) : mask }
        return (number, mask)
    }
}
