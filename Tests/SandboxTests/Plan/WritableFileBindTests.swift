import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A single host file bound writable (a lock file, a results file). Landlock
/// refuses a rule that grants folder rights (make_dir, remove_file...) on a
/// file, so such a bind failed every launch at the Landlock step; it gets
/// the file rights alone.
@Suite("Writable file binds", .timeLimit(.minutes(3)))
struct WritableFileBindTests {
    @Test func aWritableFileBindTakesWrites() throws {
        let folder = try HostTemp("file-bind")
        defer { folder.remove() }
        try folder.write("results.txt", "before\n", mode: 0o666)
        try folder.makeWritableBySandbox()
        let request = LaunchRequest(argv: ["/bin/sh", "-c", "cat /results.txt; echo after > /results.txt"],
                                    extraWritable: [BindMount(source: folder.file("results.txt"), destination: "/results.txt")])
        let result = try Fixtures.engine.runBlocking(request, profile: Fixtures.profile())
        #expect(result.exitCode == 0, "stderr: \(result.stderr.text)")
        #expect(result.stdout.text == "before\n")
        #expect(folder.read("results.txt") == "after\n", "the write reached the host file")
        #expect(result.manifest.landlockFilesystemRights.contains { $0.hasPrefix("/results.txt: ") && !$0.contains("make_dir") },
                "\(result.manifest.landlockFilesystemRights)")
    }

    @Test func theFileRuleGrantsNothingBesideTheFile() throws {
        let folder = try HostTemp("file-bind-only")
        defer { folder.remove() }
        try folder.write("results.txt", "", mode: 0o666)
        try folder.makeWritableBySandbox()
        let request = LaunchRequest(argv: ["/bin/sh", "-c", "echo x > /results.txt.new; echo $?"],
                                    extraWritable: [BindMount(source: folder.file("results.txt"), destination: "/results.txt")])
        let result = try Fixtures.engine.runBlocking(request, profile: Fixtures.profile())
        #expect(result.stdout.text != "0\n", "a new file next to the bound one: \(result.stderr.text)")
        #expect(!folder.exists("results.txt.new"))
    }
}
