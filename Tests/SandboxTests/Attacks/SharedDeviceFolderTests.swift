import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Every sandbox binds the same host folder as its /dev (see
/// `DeviceFolder`). A sandbox that could change it would reach every other
/// sandbox and the host: each attempt must fail inside, and the folder must
/// be exactly as it was, checked from outside.
@Suite("The shared /dev folder from inside", .timeLimit(.minutes(3)))
struct SharedDeviceFolderTests {
    @Test func aSandboxCannotChangeTheSharedFolder() throws {
        try HostRequirement.require(getuid() == 0, "root (mknod) for the shared /dev folder")
        let folder = try #require(DeviceFolder.shared, "the host's shared /dev folder could not be made")
        var before = stat()
        #expect(lstat(folder + "/null", &before) == 0)

        let attempts = [
            "touch /dev/planted", "mkdir /dev/planted-dir", "rm -f /dev/null", "mv /dev/zero /dev/moved",
            "chmod 777 /dev/random", "ln -s / /dev/planted-link", "touch -d 2001-01-01 /dev/null",
            "mknod /dev/planted-node c 1 3", "rmdir /dev/shm/..", "mount -t tmpfs none /dev",
        ]
        let script = attempts.map { "if \($0) 2>/dev/null; then echo \"CHANGED: \($0)\"; fi" }.joined(separator: "\n")
            + "\necho x > /dev/null && head -c 3 /dev/zero | wc -c && head -c 2 /dev/urandom | wc -c"
        let result = try Fixtures.sh(script, profile: Fixtures.profile(extraAllow: ["mknod", "mknodat", "mount"]))

        #expect(!result.stdout.text.contains("CHANGED"), "\(result.stdout.text)")
        // The devices themselves still work.
        #expect(result.stdout.text.split(separator: "\n").map(String.init) == ["3", "2"], "\(result.stdout.text) \(result.stderr.text)")
        #expect(result.manifest.rootFilesystem.contains { $0.hasPrefix("dev /dev (") && $0.hasSuffix("from \(folder))") },
                "\(result.manifest.rootFilesystem)")

        #expect(DeviceFolder.isExact(folder), "the shared folder changed")
        var after = stat()
        #expect(lstat(folder + "/null", &after) == 0)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mode == before.st_mode)
    }

    /// Without the shared folder each device is bound into a tmpfs of the
    /// run's own, with the same refusals.
    @Test func perDeviceBindsWhenTheFolderIsNotShared() throws {
        let engine = SandboxEngine(options: .init(prewarm: false, sharesDeviceFolder: false))
        let script = "ls /dev | tr '\\n' ' '; if touch /dev/planted 2>/dev/null; then echo CHANGED; fi; echo x > /dev/null && echo null-ok"
        let result = try engine.runBlocking(LaunchRequest(argv: ["/bin/sh", "-c", script]), profile: Fixtures.profile())
        #expect(result.stdout.text == "fd full null random shm stderr stdin stdout urandom zero null-ok\n",
                "\(result.stdout.text) \(result.stderr.text)")
        #expect(result.manifest.rootFilesystem.contains("dev /dev/null"), "\(result.manifest.rootFilesystem)")
        #expect(!result.manifest.rootFilesystem.contains { $0.hasPrefix("dev /dev (") })
    }
}
