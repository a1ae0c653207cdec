import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// The other side of `BindSourceSymlinkTests`: a mount *target* beneath a
/// writable bind. A run that may write the bound host folder replaces a
/// folder on the way to a later run's mount point with a symlink to the
/// root ("/" or ".."). Followed, the later run's mount would land on the
/// root itself: after the host root is detached from above it, the host's
/// whole filesystem would be the sandbox's root, with the Landlock rules
/// meant for the mount point granted on it.
@Suite("Symlinks planted on the way to a mount target", .timeLimit(.minutes(3)))
struct MountTargetSymlinkTests {
    @Test(arguments: [
        ("/", "/project/build"),
        ("/", "/project/build/cache"),
        ("..", "/project/build"),
        ("..", "/project/build/cache"),
    ])
    func aPlantedSymlinkFailsTheLaterLaunch(linkText: String, target: String) throws {
        let project = try HostTemp("project")
        let tools = try HostTemp("tools")
        // Outside /tmp: the sandbox's own /tmp would hide it either way.
        let markerDir = "/var/tmp/airlock-marker-\(UUID().uuidString.prefix(8).lowercased())"
        defer { project.remove(); tools.remove(); try? FileManager.default.removeItem(atPath: markerDir) }
        try FileManager.default.createDirectory(atPath: markerDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let secret = "airlock-host-\(UUID().uuidString)"
        let marker = markerDir + "/marker"
        try (secret + "\n").write(toFile: marker, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: marker)
        try project.makeWritableBySandbox()
        let writableProject = BindMount(source: project.path, destination: "/project")

        // Run 1 may write the project folder: it plants the link.
        let plant = try AttackTool.sh("ln -s \(linkText) /project/build && echo planted", extraWritable: [writableProject])
        try #require(plant.result.stdout.text == "planted\n", "stderr: \(plant.result.stderr.text)")
        let planted = try FileManager.default.destinationOfSymbolicLink(atPath: project.file("build"))
        try #require(planted == linkText)

        // Run 2 mounts a folder at the target, through the link.
        let victim: AttackOutcome
        do {
            victim = try AttackTool.sh("cat \(marker); ls /", extraReadOnly: [BindMount(source: tools.path, destination: target)],
                                       extraWritable: [writableProject])
        } catch let error as AirlockError {
            #expect(error.code == .setupFailed, "\(error)")
            #expect(error.message.contains(target), "the refusal names the mount: \(error.message)")
            #expect(error.message.contains("symbolic link"), "\(error.message)")
            return
        }
        Issue.record("a mount through a planted symlink was made: exit \(victim.result.exitCode ?? -1)")
        #expect(!victim.result.stdout.text.contains(secret), "the host's root was the sandbox's root")
    }

    /// The same mounts without a planted link work: the refusal above is
    /// the symlink's, not the layout's.
    @Test func theSameNestedMountsWorkWithoutALink() throws {
        let project = try HostTemp("project")
        let tools = try HostTemp("tools")
        defer { project.remove(); tools.remove() }
        try tools.write("tool.txt", "the tool\n")
        try project.makeWritableBySandbox()
        let run = try AttackTool.sh("cat /project/build/cache/tool.txt",
                                    extraReadOnly: [BindMount(source: tools.path, destination: "/project/build/cache")],
                                    extraWritable: [BindMount(source: project.path, destination: "/project")])
        #expect(run.result.stdout.text == "the tool\n", "stderr: \(run.result.stderr.text)")
        #expect(project.exists("build/cache"), "the mount point is made in the bound folder, as a folder")
    }
}

/// A FIFO planted where a later run binds a file (by any writer of the
/// shared folder: a profile that allows mknod, another host user; made
/// here from the host, as the fixture profile refuses mknod): opening it
/// to mount onto must fail the launch, not block it waiting for a reader.
@Suite("A FIFO planted at a file mount point", .timeLimit(.minutes(3)))
struct MountTargetFIFOTests {
    @Test func aPlantedFIFOFailsTheLaterLaunch() throws {
        let project = try HostTemp("fifo-project")
        let tools = try HostTemp("fifo-tools")
        defer { project.remove(); tools.remove() }
        try tools.write("tool.txt", "the tool\n")
        // Writable by the sandbox's identity, as the writer that planted it
        // would leave it (else the open fails on permissions alone).
        try #require(mkfifo(project.file("tool.txt"), 0o666) == 0, "mkfifo: \(String(cString: strerror(errno)))")
        try #require(chmod(project.file("tool.txt"), 0o666) == 0)
        try project.makeWritableBySandbox()
        let writableProject = BindMount(source: project.path, destination: "/project")

        let refusal = #expect(throws: AirlockError.self) {
            try AttackTool.sh("cat /project/tool.txt", extraReadOnly: [BindMount(source: tools.file("tool.txt"), destination: "/project/tool.txt")],
                              extraWritable: [writableProject])
        }
        #expect(refusal?.message.contains("mounting /project/tool.txt") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.message.contains(String(cString: strerror(ENXIO))) == true, "\(refusal?.message ?? "")")
    }
}

/// The working directory, entered the same way: a link planted where a
/// later run's working directory is must not move that run's `.` (onto
/// its credential's folder, /etc, ...). Twice: a warm child that has sealed
/// itself enters the directory under its own filter.
@Suite("A symlink planted at the working directory", .timeLimit(.minutes(3)))
struct WorkdirSymlinkTests {
    @Test(arguments: ["/etc", "../workspace"])
    func aPlantedLinkFailsTheLaterLaunch(linkText: String) throws {
        let project = try HostTemp("workdir-project")
        defer { project.remove() }
        try project.makeWritableBySandbox()
        let writableProject = BindMount(source: project.path, destination: "/project")
        let plant = try AttackTool.sh("ln -s \(linkText) /project/wd && echo planted", extraWritable: [writableProject])
        try #require(plant.result.stdout.text == "planted\n", "stderr: \(plant.result.stderr.text)")

        for _ in 0..<2 {
            let request = LaunchRequest(argv: ["/bin/pwd"], workdir: "/project/wd",
                                        extraReadOnly: [AttackTool.bind], extraWritable: [writableProject])
            let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: Fixtures.profile()) }
            #expect(refusal?.message.hasPrefix("cannot enter the working directory /project/wd inside the sandbox: ") == true,
                    "\(refusal?.message ?? "")")
        }
    }
}
