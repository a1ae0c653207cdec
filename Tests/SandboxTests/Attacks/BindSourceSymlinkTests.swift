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
@Suite("Symlinks planted in bind sources", .timeLimit(.minutes(1)))
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
        let victimRun: AttackOutcome
        do {
            victimRun = try AttackTool.run(["read", "/tools/secret"],
                                           extraReadOnly: [BindMount(source: shared.file("tools"), destination: "/tools")])
        } catch {
            return // Refusing to bind a symlinked source is a correct outcome.
        }
        #expect(victimRun.line("read")?.ok == false,
                "a symlink planted by an earlier sandbox exposed \(secretDir.path) to a later one: \(victimRun.outcome("read"))")
        #expect(!victimRun.result.stdout.text.contains(secret))
    }
}
