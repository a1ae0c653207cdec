import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A host directory one run may write (a shared cache, a project checkout)
/// is also where a later run's read-only bind may come from. The first run
/// can plant a symlink there, with any target it likes (it needs no access
/// to the target to create the link). DESIGN.md: "no symlink following in
/// sandbox-writable paths" — the later run's bind must not follow it to a
/// host directory nobody meant to expose.
@Suite("Symlinks planted in bind sources", .timeLimit(.minutes(3)))
struct BindSourceSymlinkTests {
    @Test func plantedSymlinkDoesNotRedirectALaterBind() throws {
        let shared = try HostTemp("shared")
        let secretDir = try HostTemp("planted-target")
        defer { shared.remove(); secretDir.remove() }
        let secret = "airlock-planted-\(UUID().uuidString)"
        try secretDir.write("secret", secret + "\n")
        try FileManager.default.createDirectory(atPath: shared.file("tools"), withIntermediateDirectories: true)
        try shared.write("tools/tool.txt", "the real tools\n")
        try shared.makeWritableBySandbox()

        // Run 1 (write access to the shared directory) swaps `tools` for a
        // symlink to the secret directory's host path.
        let plant = try AttackTool.sh("rm -rf /shared/tools && ln -s \(secretDir.path) /shared/tools && echo planted",
                                      extraWritable: [BindMount(source: shared.path, destination: "/shared")])
        try #require(plant.result.stdout.text == "planted\n", "stderr: \(plant.result.stderr.text)")

        // Run 2 binds the shared `tools` directory read-only, as configured.
        // The engine must refuse before anything starts, naming the link
        // and its owner (the sandbox's host uid, or ours when not root).
        let owner = getuid() == 0 ? Fixtures.engine.options.outsideUID : getuid()
        let expected = "bind source \(shared.file("tools")) passes through the symlink \(shared.file("tools")), "
            + "owned by uid \(owner), not root"
        do {
            let run = try AttackTool.run(["read", "/tools/secret"],
                                         extraReadOnly: [BindMount(source: shared.file("tools"), destination: "/tools")])
            let exposed = run.result.stdout.text.contains(secret)
            Issue.record("a bind through a planted symlink was not refused; read inside: \(run.outcome("read")); secret exposed: \(exposed)")
        } catch let error as AirlockError {
            #expect(error.code == .invalidArguments)
            #expect(error.message.hasPrefix(expected), "refused for another reason: \(error.message)")
        }
    }
}

/// The guard's walk is the only resolution of a bind source (see
/// `BindSourceGuard`): root's symlinks are followed, "." and ".." folded,
/// and what it returns holds no symlink at all.
@Suite("Bind source resolution")
struct BindSourceResolutionTests {
    @Test func rootSymlinksAndDotsResolveToTheRealPath() throws {
        let real = try #require(realpath("/lib", nil).map { path in defer { free(path) }; return String(cString: path) })
        #expect(try BindSourceGuard.resolve("/lib/./../lib") == real)
        #expect(try BindSourceGuard.resolve("/usr/bin/../lib") == "/usr/lib")
        #expect(try BindSourceGuard.resolve("/no/such/airlock/path") == nil)
    }
}
