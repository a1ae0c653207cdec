import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// The cgroup v1 layouts a production host may have. systemd mounts cpu
/// and cpuacct together and links both names to `cpu,cpuacct`: a run's
/// cgroup there is one directory serving both, made and joined once. (This
/// machine mounts them apart, so the layout is built as plain folders.)
@Suite("cgroup v1 layouts")
struct CgroupLayoutTests {
    @Test func coMountedControllersShareOneDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-layout-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["memory", "pids", "cpu,cpuacct"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        #expect(symlink("cpu,cpuacct", root + "/cpu") == 0)
        #expect(symlink("cpu,cpuacct", root + "/cpuacct") == 0)
        var host = Fixtures.engine.host
        host.cgroupVersion = .v1
        host.cgroupRoot = root
        host.cgroupControllers = ["memory", "pids", "cpu", "cpuacct"]

        let cgroup = try #require(try RunCgroup.create(host: host, runID: "run-layout"))
        let cpuDirectory = root + "/cpu/airlock/run-layout"
        #expect(cgroup.selfJoinFiles == [root + "/memory/airlock/run-layout/tasks", root + "/pids/airlock/run-layout/tasks",
                                         cpuDirectory + "/tasks"])
        #expect(cgroup.procsFiles.count == 3)
        #expect(cgroup.countsCPU)
        #expect(FileManager.default.fileExists(atPath: root + "/cpu,cpuacct/airlock/run-layout"))
    }
}
