import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Writes must land only in the sandbox's own writable places (workspace,
/// tmpfs, explicitly writable binds). Each test checks the host afterwards:
/// a write that "failed" inside but still changed a host file is a failure.
@Suite("Writing outside the workspace", .timeLimit(.minutes(3)))
struct FilesystemWriteTests {
    /// Control: the tool's writes work where writing is allowed, so the
    /// refusals below are the sandbox's doing.
    @Test func workspaceAndTmpAreWritable() throws {
        let outcome = try AttackTool.run(["write", "/workspace/ok", "write", "/tmp/ok", "read", "/workspace/ok"])
        #expect(outcome.lines.filter { $0.name == "write" }.allSatisfy { $0.ok }, "\(outcome.lines.map(\.raw))")
        #expect(outcome.line("read")?.fields["content"]?.hasPrefix("written-by-airlock-attack") == true)
    }

    /// The bound directory and file are the sandbox user's own on the host
    /// and mode 0777/0666, so ordinary permissions would let the writes
    /// through; only the read-only bind refuses them, with EROFS. The
    /// control run binds the same directory writable and does write it.
    @Test func readOnlyBindKeepsHostFilesUnchanged() throws {
        let host = try HostTemp("ro-bind")
        defer { host.remove() }
        try host.write("keep", "original\n", mode: 0o666)
        try host.makeWritableBySandbox()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: host.path)

        let control = try AttackTool.run(["write", "/data/control"],
                                         extraWritable: [BindMount(source: host.path, destination: "/data")])
        try #require(control.line("write")?.ok == true, "control write through a writable bind: \(control.outcome("write"))")
        try FileManager.default.removeItem(atPath: host.file("control"))

        let outcome = try AttackTool.run(["write", "/data/keep", "write", "/data/new"],
                                         extraReadOnly: [BindMount(source: host.path, destination: "/data")])
        let writes = outcome.lines.filter { $0.name == "write" }
        #expect(writes.map(\.errno) == ["EROFS", "EROFS"], "\(outcome.lines.map(\.raw))")
        #expect(host.read("keep") == "original\n")
        #expect(!host.exists("new"))
    }

    /// The root, /usr and /etc are read-only mounts: creating a file in
    /// them fails with EROFS, which the kernel checks before permissions
    /// (a mere permission refusal would be EACCES). A file named for this
    /// test must not appear in the host's /usr.
    @Test func systemPathsAreReadOnly() throws {
        let token = Token.make("airlock-write-")
        let targets = ["/\(token)", "/usr/\(token)", "/usr/bin/\(token)", "/etc/\(token)", "/opt/airlock/\(token)"]
        let outcome = try AttackTool.run(targets.flatMap { ["write", $0] })
        let writes = outcome.lines.filter { $0.name == "write" }
        try #require(writes.count == targets.count, "stdout: \(outcome.result.stdout.text)")
        for (target, write) in zip(targets, writes) {
            #expect(write.errno == "EROFS", "write \(target): \(write.raw)")
        }
        for hostPath in ["/usr/\(token)", "/usr/bin/\(token)", "/\(token)", "/etc/\(token)"] {
            #expect(!FileManager.default.fileExists(atPath: hostPath), "\(hostPath) appeared on the host")
        }
    }

    /// `..` from a writable bind leads into the sandbox's own (read-only)
    /// root, never to the bind source's parent on the host.
    @Test func dotDotFromWritableBindStaysInside() throws {
        let host = try HostTemp("rw-bind")
        defer { host.remove() }
        try host.makeWritableBySandbox()
        let parent = (host.path as NSString).deletingLastPathComponent
        let escapee = "escaped-\(UUID().uuidString.prefix(8))"
        let outcome = try AttackTool.run(["write", "/out/inside", "write", "/out/../\(escapee)", "write", "/out/../../\(escapee)"],
                                         extraWritable: [BindMount(source: host.path, destination: "/out")])
        let writes = outcome.lines.filter { $0.name == "write" }
        #expect(writes.count == 3)
        #expect(writes.first?.ok == true, "control write into the writable bind failed: \(writes.map(\.raw))")
        #expect(host.read("inside")?.hasPrefix("written-by-airlock-attack") == true)
        #expect(writes.dropFirst().allSatisfy { !$0.ok }, "\(writes.map(\.raw))")
        #expect(!FileManager.default.fileExists(atPath: parent + "/" + escapee))
        #expect(!FileManager.default.fileExists(atPath: "/" + escapee))
    }
}
