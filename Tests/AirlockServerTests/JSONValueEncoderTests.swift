import AirlockCore
import Foundation
import Credentials
import Sandbox
import Testing
@testable import AirlockServer
@testable import Executor

/// The direct encoder must produce exactly what the JSON-text round trip
/// produces, since both feed digests and audit records.
@Suite("direct JSONValue encoding")
struct JSONValueEncoderTests {
    static let result = RunResult(
        termination: .limitKilled, exitCode: nil, signal: 9, wallSeconds: 1.0, userCPUSeconds: 0.25,
        systemCPUSeconds: 0, peakMemoryBytes: UInt64.max, stdout: CapturedOutput(text: "a\"b\\c\n\u{1}é", totalBytes: 7, truncated: true),
        stderr: CapturedOutput(text: "", totalBytes: 0, truncated: false),
        limitsHit: [LimitHit(kind: .wallClock, limit: 1, evidence: "timer")],
        deniedSyscalls: [SyscallRecord(name: "ptrace", number: 101, arguments: ["0x0"], outcome: "denied:EPERM", count: 2)],
        recordedSyscalls: [], killedBySyscall: nil,
        manifest: EnforcementManifest(
            profile: "shell", profileDigest: "ab", namespaces: ["user", "pid"], uidInside: 1000, gidInside: 1000,
            uidOutside: 65534, gidOutside: 65534, rootFilesystem: ["tmpfs"], network: "none", landlockABI: 4,
            landlockFilesystemRights: ["read_file"], landlockNetworkRule: nil, seccompFilterDigest: "cd",
            seccompDefaultAction: "ENOSYS", seccompAllowedSyscalls: 200, capabilities: "none", noNewPrivs: true,
            cgroupVersion: "v2", cgroupControllers: ["memory"], limits: ["wall_clock": 30], recordedSyscalls: ["execve"]))

    func same<T: Encodable>(_ value: T) throws {
        #expect(try JSONValueEncoder.encode(value).canonicalText == JSONValue(encoding: value).canonicalText)
    }

    @Test func runResultsMatchTheTextRoundTrip() throws { try same(Self.result) }

    /// Profile digests and action-token payloads are built this way too.
    @Test func shippedProfilesAndTokenClaimsMatch() throws {
        let catalog = try ProfileCatalog.shipped()
        for name in ["strict", "shell", "network"] { try same(try catalog.resolve(name: name)) }
        try same(ActionTokenClaims(iss: "airlockd", sub: "agent", aud: "tool", act: "digest", apr: nil, jti: "j",
                                   iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_000_030))
    }

    @Test func decisionsLimitsAndEventsMatch() throws {
        try same(Decision(effect: .review, ruleIDs: ["r1"], reasons: ["why"], facts: ["n": 1.5, "list": [1, "x", nil]],
                          policyRevision: "rev", review: ReviewRequirement(group: "g", ruleID: "r1", message: "m")))
        try same(ResourceLimits(wallSeconds: 2.5))
        try same(ResourceLimits())
        try same(AuditEvent(time: Date(timeIntervalSince1970: 1_700_000_000), kind: .runStarted, callID: "c", fields: ["k": [1, 2]]))
        try same(["plain": JSONValue.array([.double(2.0), .double(0.1), .int(-3)])])
    }

    @Test func nonFiniteNumbersAreErrors() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(ResourceLimits(wallSeconds: .infinity)) }
    }

    @Test(arguments: ["plain", "quote \" backslash \\ slash /", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "é ✓ 🎉", ""])
    func wireLinesParseBackToTheSameValue(text: String) throws {
        let value: JSONValue = ["text": .string(text), "n": 1.5, "i": -7, "list": [true, nil, ["k": .string(text)]]]
        let line = JSONLineWriter.line(value)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        #expect(try CanonicalJSON.parse(Data(line)) == value)
    }
}
