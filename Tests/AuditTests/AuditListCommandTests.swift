import AirlockCore
import Foundation
import Testing
@testable import Audit

/// `airlock audit list|show|tail|stats` print what agents sent; a terminal
/// must only ever see it as text.
@Suite("airlock audit list/show/tail CLI")
struct AuditListCommandTests {
    static let hostileTool = "sql.query\u{1B}[1A\u{1B}[2K\r42  2026-01-01  policy.decided  allow \u{202E}kcatta\u{9B}2J\u{7F}"

    private func trail(_ directory: TemporaryDirectory) async throws -> String {
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let call = SampleEvents.call(Self.hostileTool, arguments: ["note": .string("line one\nline two\u{1B}]0;title\u{07}")],
                                     id: "call-hostile")
        _ = try await store.append(SampleEvents.allowedStory(call))
        _ = try await store.append(AuditEvent(kind: .policyDecided, call: SampleEvents.call(id: "call-denied"),
                                              fields: AuditFields.decision(SampleEvents.decision(.deny))))
        try await store.close()
        return directory.file("audit.sqlite")
    }

    @Test func agentTextIsEscapedInEveryTable() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await trail(directory)
        for arguments in [["list"], ["tail", "-n", "20"], ["show", "call-hostile"], ["stats"]] {
            let out = try AirlockCLI.run(["audit"] + arguments + ["--db", path])
            #expect(out.status == 0, "\(arguments): \(out.stderr)")
            let controls = out.stdout.unicodeScalars.filter { scalar in
                (scalar.value < 0x20 && scalar != "\n") || (0x7F...0x9F).contains(scalar.value)
                    || (0x202A...0x202E).contains(scalar.value)
            }
            #expect(controls.isEmpty, "\(arguments) printed raw controls: \(controls.map { String($0.value, radix: 16) })")
            #expect(out.stdout.contains("sql.query\\x1b[1A\\x1b[2K\\x0d42"), "\(arguments): \(out.stdout)")
        }
        let show = try AirlockCLI.run(["audit", "show", "call-hostile", "--db", path])
        #expect(show.stdout.contains("\\u{202e}kcatta\\u{009b}2J\\x7f"))
    }

    @Test func effectIsValidatedAndCaseInsensitive() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await trail(directory)
        let upper = try AirlockCLI.run(["audit", "list", "--effect", "ALLOW", "--json", "--db", path])
        #expect(upper.status == 0)
        #expect(upper.stdout.split(separator: "\n").count == 1)
        let wrong = try AirlockCLI.run(["audit", "list", "--effect", "allowed", "--db", path])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.hasPrefix("airlock: --effect allowed: expected allow, deny or review"), "\(wrong.stderr)")
        #expect(try AirlockCLI.run(["audit", "stats", "--effect", "nope", "--db", path]).status != 0)
    }

    @Test(arguments: [(["list", "--limit=-1"], "--limit -1: expected a number of records ≥ 1"),
                      (["list", "--limit", "0"], "--limit 0: expected a number of records ≥ 1"),
                      (["tail", "-n=-1"], "-n -1: expected a number of records ≥ 0")])
    func countsMustBePositive(arguments: [String], message: String) async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await trail(directory)
        let out = try AirlockCLI.run(["audit"] + arguments + ["--db", path])
        #expect(out.status != 0)
        #expect(out.stderr.hasPrefix("airlock: " + message), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }
}
