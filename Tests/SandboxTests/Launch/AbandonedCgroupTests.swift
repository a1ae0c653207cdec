import Foundation
@testable import Sandbox
import Testing

/// A process that ends without draining its cgroup pool leaves its per-run
/// cgroups behind; the next engine removes those of dead owners and nothing
/// of a live one. Checked from outside, in cgroupfs.
@Suite("abandoned per-run cgroups")
struct AbandonedCgroupTests {
    @Test func onlyCgroupsOfDeadOwnersAreRemoved() throws {
        let host = HostCapabilities.current
        try HostRequirement.require(host.cgroupRoot != nil && !host.cgroupControllers.isEmpty,
                                    "a cgroup hierarchy Airlock may create per-run cgroups in (root)")
        let root = try #require(host.cgroupRoot)
        let parents = host.cgroupVersion == .v2 ? ["\(root)/airlock"] : host.cgroupControllers.map { "\(root)/\($0)/airlock" }
        let dead = Self.deadPID()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let abandoned = parents.map { "\($0)/run-\(dead)-test-\(tag)" }
        let live = parents.map { "\($0)/run-\(getpid())-test-\(tag)" }
        for dir in parents { mkdir(dir, 0o755) }
        for dir in abandoned + live { #expect(mkdir(dir, 0o755) == 0, "mkdir \(dir): \(String(cString: strerror(errno)))") }
        defer { for dir in abandoned + live { rmdir(dir) } }

        RunCgroup.removeAbandoned(host: host)

        for dir in abandoned { #expect(!FileManager.default.fileExists(atPath: dir), "\(dir) of dead pid \(dead) is still there") }
        for dir in live { #expect(FileManager.default.fileExists(atPath: dir), "\(dir) of this live process was removed") }
    }

    /// A pid no process has now (a child that has been reaped).
    private static func deadPID() -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        guard posix_spawn(&pid, "/bin/true", nil, nil, &argv, nil) == 0 else { return Int32.max }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return pid
    }
}
