import Foundation
import Testing
@testable import Sandbox

/// The host folder a sandbox's /dev is bound from (see `DeviceFolder`):
/// made exactly once, and never used (nor altered) when what is there is not
/// exactly Airlock's. Each test makes its own folder in a fresh directory.
@Suite("The shared /dev folder on the host")
struct DeviceFolderTests {
    /// A folder made by `prepare` in a fresh host directory (remove the
    /// directory when done). mknod needs root; elsewhere there is no folder
    /// to test.
    private func madeFolder(_ name: String = "dev", in host: HostTemp) throws -> String {
        try HostRequirement.require(getuid() == 0, "root (mknod) for the shared /dev folder")
        let path = host.file(name)
        try #require(DeviceFolder.prepare(at: path) == path)
        return path
    }

    @Test func madeOnceWithExactlyTheDevicesAndLinks() throws {
        let host = try HostTemp("devfolder")
        defer { host.remove() }
        let path = try madeFolder(in: host)
        #expect(DeviceFolder.isExact(path))
        for device in DeviceFolder.devices {
            var node = stat(), real = stat()
            #expect(lstat("\(path)/\(device)", &node) == 0 && stat("/dev/\(device)", &real) == 0)
            #expect(node.st_rdev == real.st_rdev, "\(device) is not the host's device")
        }
        // Preparing again uses what is there; nothing is left behind.
        #expect(DeviceFolder.prepare(at: path) == path)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: host.path)
        #expect(leftovers == ["dev"], "staging folders left behind: \(leftovers)")
    }

    @Test func anExtraEntryMeansTheFolderIsNotUsedAndNotTouched() throws {
        let host = try HostTemp("devfolder")
        defer { host.remove() }
        let path = try madeFolder(in: host)
        try "planted".write(toFile: path + "/extra", atomically: false, encoding: .utf8)
        #expect(!DeviceFolder.isExact(path))
        #expect(DeviceFolder.prepare(at: path) == nil)
        #expect(FileManager.default.fileExists(atPath: path + "/extra"), "a folder that is not Airlock's was altered")
    }

    @Test func anotherDeviceOrModeIsRefused() throws {
        let host = try HostTemp("devfolder")
        defer { host.remove() }
        let path = try madeFolder(in: host)

        // "null" that is really /dev/zero.
        var zero = stat()
        #expect(stat("/dev/zero", &zero) == 0)
        #expect(unlink(path + "/null") == 0 && mknod(path + "/null", S_IFCHR | 0o666, zero.st_rdev) == 0)
        #expect(chmod(path + "/null", 0o666) == 0)
        #expect(!DeviceFolder.isExact(path))

        let other = try madeFolder("dev2", in: host)
        #expect(chmod(other + "/random", 0o600) == 0)
        #expect(!DeviceFolder.isExact(other))

        let third = try madeFolder("dev3", in: host)
        #expect(unlink(third + "/fd") == 0 && symlink("/etc", third + "/fd") == 0)
        #expect(!DeviceFolder.isExact(third))
    }

    @Test func aFolderThatCannotBeMadeIsNil() throws {
        #expect(DeviceFolder.prepare(at: "/nonexistent-\(UUID().uuidString)/dev") == nil)
    }
}
