import Foundation

/// Finds which cgroup hierarchy this host mounts and which of the
/// controllers Airlock uses (memory, pids, cpu; v1's cpuacct, which counts
/// the run's CPU time as a whole: v2 counts it in every cgroup) it may manage.
enum CgroupProbe {
    static let wanted = ["memory", "pids", "cpu", "cpuacct"]
    static let base = "/sys/fs/cgroup"

    /// Every path `probe` looks at (a launch image rests on what it found:
    /// a hierarchy mounted or unmounted since is another host).
    static var probedPaths: [String] {
        [base, base + "/cgroup.controllers"] + wanted.flatMap { ["\(base)/\($0)", "\(base)/\($0)/cgroup.procs"] }
    }

    static func probe(isRoot: Bool) -> (HostCapabilities.CgroupVersion, [String], String?) {
        let fm = FileManager.default
        if fm.fileExists(atPath: base + "/cgroup.controllers") {
            let available = ((try? String(contentsOfFile: base + "/cgroup.controllers", encoding: .utf8)) ?? "")
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            let usable = wanted.filter { available.contains($0) }
            let writable = access(base, W_OK) == 0
            return (.v2, writable ? usable : [], base)
        }
        let usable = wanted.filter { controller in
            fm.fileExists(atPath: "\(base)/\(controller)/cgroup.procs") && access("\(base)/\(controller)", W_OK) == 0
        }
        if usable.isEmpty && !wanted.contains(where: { fm.fileExists(atPath: "\(base)/\($0)/cgroup.procs") }) {
            return (.none, [], nil)
        }
        return (.v1, usable, base)
    }
}
