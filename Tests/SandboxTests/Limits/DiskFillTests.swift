import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Filling a disk: one file stops at the file-size limit; filling the workspace stops at its tmpfs size with ENOSPC,
/// in memory, never on the host's disk.
@Suite("Disk fill", .timeLimit(.minutes(3)))
struct DiskFillTests {
    static let ddTooBig = ["/usr/bin/dd", "if=/dev/zero", "of=/workspace/big", "bs=65536", "count=64"]

    /// The command is the sandbox's pid 1, for which the kernel drops a
    /// default-action SIGXFSZ: the write fails with EFBIG instead, and the
    /// file stops at the limit.
    @Test func fileSizeLimitStopsTheCommand() throws {
        let profile = Fixtures.profile(name: "test-fsize", limits: ResourceLimits(wallSeconds: 20, fileSizeBytes: 1 << 20))
        let token = Token.make("fsize")
        let argv = Self.ddTooBig.map { $0 == "of=/workspace/big" ? "of=/workspace/\(token)" : $0 }
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: argv), profile: profile)
        #expect(result.exitCode == 1, "exit \(String(describing: result.exitCode)) signal \(String(describing: result.signal))")
        #expect(result.stderr.text.contains("File too large"), "stderr: \(result.stderr.text)")
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "dd is still running on the host: \(survivors.map(\.pid))")
    }

    @Test func workspaceFillStopsAtItsSizeWithENOSPC() throws {
        var profile = Fixtures.profile(name: "test-fill")
        profile.filesystem.workspace = WorkspacePolicy(path: "/workspace", sizeBytes: 4 << 20)
        let token = Token.make("fill")
        let result = try Fixtures.sh("""
            stat -f -c 'fstype=%T' /workspace
            dd if=/dev/zero of=/workspace/\(token) bs=1048576 count=16; echo "dd=$?"
            stat -c 'size=%s' /workspace/\(token)
            """, profile: profile)
        let lines = Set(result.stdout.text.split(separator: "\n").map(String.init))
        // tmpfs: the bytes live in (cgroup-charged) memory, not the host disk.
        #expect(lines.contains("fstype=tmpfs"), "stdout: \(result.stdout.text)")
        #expect(lines.contains("dd=1"), "dd did not fail: \(result.stdout.text)")
        // The failure is the full workspace, not some other error on the
        // way: dd says why, and it got most of the 4 MiB written first.
        #expect(result.stderr.text.contains("No space left on device"), "dd's stderr: \(result.stderr.text)")
        let size = try #require(lines.first { $0.hasPrefix("size=") }.flatMap { UInt64($0.dropFirst(5)) },
                                "stdout: \(result.stdout.text)")
        #expect(size >= 3 << 20, "only \(size) bytes written before dd failed")
        #expect(size <= 4 << 20, "file grew to \(size), past the workspace's size")
        #expect(!result.limitsHit.contains { $0.kind == .fileSize })
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map(\.pid))")
    }

    /// The other writable places are tmpfs of the run's own too: /tmp and
    /// /dev/shm each stop at their size (16 MiB in the test profile) with
    /// ENOSPC, and the host stays usable meanwhile.
    @Test(arguments: ["/tmp", "/dev/shm"])
    func everyWritableTmpfsStopsAtItsSize(folder: String) throws {
        let token = Token.make("fill-tmp")
        let result = try Fixtures.sh("""
            stat -f -c 'fstype=%T' \(folder)
            dd if=/dev/zero of=\(folder)/\(token) bs=1048576 count=64; echo "dd=$?"
            stat -c 'size=%s' \(folder)/\(token)
            """)
        let lines = Set(result.stdout.text.split(separator: "\n").map(String.init))
        #expect(lines.contains("fstype=tmpfs"), "stdout: \(result.stdout.text)")
        #expect(lines.contains("dd=1"), "dd did not fail: \(result.stdout.text)")
        #expect(result.stderr.text.contains("No space left on device"), "dd's stderr: \(result.stderr.text)")
        let size = try #require(lines.first { $0.hasPrefix("size=") }.flatMap { UInt64($0.dropFirst(5)) }, "stdout: \(result.stdout.text)")
        #expect(size <= 16 << 20, "\(folder) took \(size) bytes, past its size")
        // The host goes on working: a fresh sandbox runs.
        #expect(try Fixtures.sh("echo alive").stdout.text == "alive\n")
        #expect(HostProcesses.survivors(token).isEmpty)
    }
}
