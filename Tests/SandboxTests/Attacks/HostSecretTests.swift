import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A world-readable host file that is not bound into the sandbox must stay
/// out of reach by every path: its host path, the root links in /proc, and
/// `..` climbs from the workspace or from a bound sibling directory.
///
/// The secret lives in /var/tmp, not /tmp: the test profile mounts its own
/// tmpfs on /tmp, which would hide a secret there even from a sandbox that
/// saw the whole host root.
@Suite("Reading a host secret", .timeLimit(.minutes(3)))
struct HostSecretTests {
    static let parent = "/var/tmp"

    @Test func unboundSecretIsUnreachable() throws {
        let secretDir = try HostTemp("secret", in: Self.parent)
        let publicDir = try HostTemp("public", in: Self.parent)
        defer { secretDir.remove(); publicDir.remove() }
        let secret = "airlock-secret-\(UUID().uuidString)"
        let secretPath = try secretDir.write("secret", secret + "\n")
        try publicDir.write("public", "public-data\n")
        // World-readable all the way down: only confinement keeps it out.
        for path in [Self.parent, secretDir.path, secretPath] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            try #require(mode & 0o004 != 0, "\(path) is not world-readable (mode \(String(mode, radix: 8)))")
        }
        let control = try AttackTool.run(["read", "/secret/secret"],
                                         extraReadOnly: [BindMount(source: secretDir.path, destination: "/secret")])
        try #require(control.line("read")?.fields["content"] == secret + ".",
                     "the sandbox user cannot read the secret even when bound: \(control.outcome("read"))")
        let secretName = (secretDir.path as NSString).lastPathComponent

        let attempts = [
            secretPath,
            "/proc/1/root" + secretPath,
            "/proc/self/root" + secretPath,
            "/proc/self/cwd/../.." + secretPath,
            "/workspace/../../.." + secretPath,
            "/../../.." + secretPath,
            "/data/../" + secretName + "/secret",
        ]
        let outcome = try AttackTool.run(["read", "/data/public"] + attempts.flatMap { ["read", $0] },
                                         extraReadOnly: [BindMount(source: publicDir.path, destination: "/data")])
        let reads = outcome.lines.filter { $0.name == "read" }
        try #require(reads.count == attempts.count + 1, "stdout: \(outcome.result.stdout.text)")
        // Control: a bound file is readable, so the failures are confinement.
        #expect(reads[0].fields["content"]?.hasPrefix("public-data") == true)
        for (attempt, line) in zip(attempts, reads.dropFirst()) {
            #expect(!line.ok, "read \(attempt): \(line.raw)")
        }
        #expect(!outcome.result.stdout.text.contains(secret))
    }

    /// Host files that are always present and always sensitive. /etc/passwd
    /// may exist inside, but only as the sandbox's own synthesized one.
    @Test func hostSystemSecretsAreAbsent() throws {
        let outcome = try AttackTool.run(["read", "/etc/shadow", "read", "/root/.bash_history", "read", "/proc/1/root/etc/shadow",
                                          "read", "/etc/passwd", "read", "/proc/1/environ"])
        let reads = outcome.lines.filter { $0.name == "read" }
        try #require(reads.count == 5)
        #expect(reads[0..<3].allSatisfy { !$0.ok }, "\(reads.map(\.raw))")
        // Every Debian host has `daemon` (uid 1); the sandbox's file does not.
        #expect(reads[3].fields["content"]?.contains("daemon:") != true, "host accounts visible: \(reads[3].raw)")
        // /proc/1 is the sandbox's own init (the tool itself), not the host's.
        #expect(reads[4].fields["content"]?.contains("PATH=/usr/bin:/bin") == true, "\(reads[4].raw)")
    }
}
