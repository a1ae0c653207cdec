import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Airlock writes a few files of its own into a sandbox's root: a call's
/// credential under /run/airlock and the identity files /etc/passwd and
/// /etc/group. They belong on the run's own root tmpfs. Written into a bind
/// they would land on host storage, outlive the run and reach whatever else
/// shares the folder (every sandbox maps to the same host uid when Airlock
/// is root). Each test binds a host folder the sandbox user owns, so
/// ordinary permissions would let the writes through, and checks it after.
@Suite("Airlock's own files stay off host storage", .timeLimit(.minutes(3)))
struct HostStorageFileTests {
    @Test func aCredentialIsNeverWrittenIntoABind() throws {
        let host = try HostTemp("run-bind")
        defer { host.remove() }
        try host.makeWritableBySandbox()
        let request = LaunchRequest(argv: ["/bin/true"], extraWritable: [BindMount(source: host.path, destination: "/run")],
                                    files: [InjectedFile(path: "/run/airlock/token", contents: Data("secret-token".utf8))])
        #expect {
            try Fixtures.engine.runBlocking(request, profile: Fixtures.profile())
        } throws: { error in
            let error = error as? AirlockError
            return error?.code == .invalidArguments && error?.message.contains("would be written into the bind") == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: host.path).isEmpty, "the host folder was written to")
    }

    /// (The profile's own binds beneath /etc, such as /etc/ld.so.cache, get
    /// their mountpoints in the bound folder, as with bwrap: empty, and the
    /// profile's doing. Airlock's identity files are another matter.)
    @Test func identityFilesAreNotWrittenIntoABoundEtc() throws {
        let host = try HostTemp("etc-bind")
        defer { host.remove() }
        try host.makeWritableBySandbox()
        let request = LaunchRequest(argv: ["/bin/sh", "-c", "ls /etc"], extraWritable: [BindMount(source: host.path, destination: "/etc")])
        let result = try Fixtures.engine.runBlocking(request, profile: Fixtures.profile())
        #expect(result.exitCode == 0, "stderr: \(result.stderr.text)")
        let written = try FileManager.default.contentsOfDirectory(atPath: host.path)
        #expect(!written.contains("passwd") && !written.contains("group"), "Airlock wrote into the host folder bound at /etc: \(written)")
    }

    /// A profile's symlink inside a writable bind would be created on the
    /// host (pointing wherever the profile says) and outlive the run.
    @Test func aProfileSymlinkInsideABindIsRefused() throws {
        let host = try HostTemp("link-bind")
        defer { host.remove() }
        try host.makeWritableBySandbox()
        var profile = Fixtures.profile(writable: [BindMount(source: host.path, destination: "/data")])
        profile.filesystem.symlinks.append(Symlink(path: "/data/link", target: "/etc/shadow"))
        #expect {
            try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/bin/true"]), profile: profile)
        } throws: { ($0 as? AirlockError)?.message.contains("would be written into the bind") == true }
        #expect(try FileManager.default.contentsOfDirectory(atPath: host.path).isEmpty, "a symlink was created on the host")
    }
}
