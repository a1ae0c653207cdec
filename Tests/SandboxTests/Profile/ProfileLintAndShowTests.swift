import AirlockCore
import Foundation
import Testing
@testable import Sandbox

@Suite("Profile lint warnings, show and explain")
struct ProfileLintAndShowTests {
    @Test("weak but valid settings are warnings with their line, and do not stop the profile")
    func warnings() throws {
        let fixtures = try ProfileFixtures(["loose": ProfileFixtures.runnable + """

            network: host
            limits: { memory: 64G, wall: 2h }
            filesystem:
              writable: [/etc]
              read_only: [/home/someone/.ssh]
              tmpfs: { /big: 16G }
            """])
        let report = try fixtures.report("loose")
        #expect(report.profile != nil)
        #expect(report.errors.isEmpty)
        let lines = report.warnings.map(\.description)
        let path = fixtures.path("loose")
        #expect(lines.contains("\(path):3: network: warning: host: the command shares this host's network and can reach everything the host can; prefer none or loopback unless talking to the network is the tool's job"))
        #expect(lines.contains { $0.hasPrefix("\(path):4: limits.memory: warning: a memory limit above 8G") })
        #expect(lines.contains { $0.hasPrefix("\(path):4: limits.wall: warning: a wall-clock limit above 1h") })
        #expect(lines.contains { $0.hasPrefix("\(path):6: filesystem.writable[0]: warning: /etc is a system path bound writable") })
        #expect(lines.contains { $0.hasPrefix("\(path):7: filesystem.read_only[0]: warning: /home/someone/.ssh may expose host secrets") })
        #expect(lines.contains { $0.contains("tmpfs at /big") })
        #expect(lines.contains { $0.contains("record: warning: nothing is recorded") })
        #expect(lines.count == 7, "\(lines)")
    }

    /// A root-owned symlink to /proc is /proc: the warning follows it.
    @Test("a bind source that leads to a sensitive path through a symlink is warned about")
    func warningsFollowSymlinks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-lint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/pl", withDestinationPath: "/proc")
        let fixtures = try ProfileFixtures(["linked": ProfileFixtures.runnable + "\nfilesystem:\n  read_only: [\(folder)/pl]\n"])
        let lines = try fixtures.report("linked").warnings.map(\.description)
        #expect(lines.contains { $0.contains("\(folder)/pl (/proc) may expose host secrets") }, "\(lines)")
    }

    @Test("show's YAML is itself a profile that resolves to the same rules", arguments: ["strict", "shell", "network"])
    func showRoundTrips(name: String) throws {
        let original = try ProfileCatalog.shipped().resolve(name: name)
        let yaml = try ProfileYAMLWriter.render(original)
        let fixtures = try ProfileFixtures([name: yaml])
        let report = try fixtures.report(name)
        #expect(report.errors.isEmpty, "\(report.errors.map(\.description))\n\(yaml)")
        #expect(report.profile == original)
    }

    @Test("explain covers every protection, with the host's side from HostCapabilities")
    func explain() throws {
        let strict = try ProfileCatalog.shipped().resolve(name: "strict")
        var host = HostCapabilities.current
        let explanation = ProfileExplanation(strict, host: host)
        #expect(explanation.protections.map(\.name) == ["namespaces", "filesystem", "network", "identity", "seccomp", "limits", "environment", "recording"])
        #expect(explanation.digest == ProfileDigest.of(strict))
        let seccomp = try #require(explanation.protections.first { $0.name == "seccomp" })
        #expect(seccomp.profile.hasPrefix("\(strict.seccomp.allow.count) syscalls allowed"))
        #expect(seccomp.profile.contains("@default") && !seccomp.profile.contains("@network"))
        let network = try #require(explanation.protections.first { $0.name == "network" })
        #expect(network.profile.hasPrefix("none:"))

        host.landlockABI = 0
        host.landlockError = "not enabled"
        let withoutLandlock = ProfileExplanation(strict, host: host)
        #expect(withoutLandlock.protections.first { $0.name == "filesystem" }?.onThisHost.hasPrefix("refused:") == true)
    }
}
