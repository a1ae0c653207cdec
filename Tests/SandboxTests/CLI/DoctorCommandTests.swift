import CLaunchImage
import Foundation
import Testing

/// `airlock doctor`: the JSON carries each status as a bare word a script
/// can compare; only the text lines the statuses up.
@Suite struct DoctorCommandTests {
    @Test func jsonStatusesAreBareWords() throws {
        let out = try BuiltBinary.run("airlock", ["doctor", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)")
        let checks = try #require(report["checks"] as? [[String: Any]]) + [try #require(report["trialLaunch"] as? [String: Any])]
        let statuses = checks.compactMap { $0["status"] as? String }
        #expect(statuses.count == checks.count)
        #expect(statuses.allSatisfy { ["ok", "warn", "FAIL"].contains($0) }, "\(statuses)")
    }

    /// The front end's launch images need the kernel keyring: doctor says
    /// whether this host has one, as the CLI finds it.
    @Test func launchImagesAreReported() throws {
        let out = try BuiltBinary.run("airlock", ["doctor"])
        let line = try #require(out.stdout.split(separator: "\n").first { $0.contains("] launch images:") }, "\(out.stdout)")
        var secret = [UInt8](repeating: 0, count: 16)
        let available = claunch_mac_secret(0, &secret) == 0
        #expect(line.hasPrefix(available ? "  [ok  ]" : "  [warn]"), "\(line)")
    }

    @Test func textStatusesShareOneWidth() throws {
        let out = try BuiltBinary.run("airlock", ["doctor"])
        let labels = out.stdout.split(separator: "\n").filter { $0.hasPrefix("  [") }.map { $0.dropFirst(3).prefix { $0 != "]" } }
        #expect(!labels.isEmpty, "\(out.stdout)")
        #expect(labels.allSatisfy { ["ok  ", "warn", "FAIL"].contains(String($0)) }, "\(labels)")
    }
}
