import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Writes must land only in the sandbox's own writable places (workspace,
/// tmpfs, explicitly writable binds). Each test checks the host afterwards:
/// a write that "failed" inside but still changed a host file is a failure.
@Suite("Writing outside the workspace", .timeLimit(.minutes(1)))
struct FilesystemWriteTests {
    /// Control: the tool's writes work where writing is allowed, so the
    /// refusals below are the sandbox's doing.
    @Test func workspaceAndTmpAreWritable() throws {
        let outcome = try AttackTool.run(["write", "/workspace/ok", "write", "/tmp/ok", "read", "/workspace/ok"])
        #expect(outcome.lines.filter { $0.name == "write" }.allSatisfy { $0.ok }, "\(outcome.lines.map(\.raw))")
        #expect(outcome.line("read")?.fields["content"]?.hasPrefix("written-by-airlock-attack") == true)
    }

    @Test func readOnlyBindKeepsHostFilesUnchanged() throws {
        let host = try HostTemp("ro-bind")
        defer { host.remove() }
        try host.write("keep", "original\n")
        let outcome = try AttackTool.run(["write", "/data/keep", "write", "/data/new"],
                                         extraReadOnly: [BindMount(source: host.path, destination: "/data")])
        #expect(outcome.lines.filter { $0.name == "write" }.count == 2)
        #expect(outcome.lines.filter { $0.name == "write" }.allSatisfy { !$0.ok }, "\(outcome.lines.map(\.raw))")
        #expect(host.read("keep") == "original\n")
        #expect(!host.exists("new"))
    }

    /// The root, /usr and /etc are read-only; a file named for this test
    /// must not appear in the host's /usr.
    @Test func systemPathsAreReadOnly() throws {
        let token = Token.make("airlock-write-")
        let targets = ["/\(token)", "/usr/\(token)", "/usr/bin/\(token)", "/etc/\(token)", "/proc/\(token)", "/opt/airlock/\(token)"]
        let outcome = try AttackTool.run(targets.flatMap { ["write", $0] })
        let writes = outcome.lines.filter { $0.name == "write" }
        #expect(writes.count == targets.count)
        #expect(writes.allSatisfy { !$0.ok }, "\(writes.map(\.raw))")
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
