import AirlockCore
import Crypto
import Foundation
import HostCommandSupport
@testable import Audit

/// A fresh directory under /tmp for one test, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "airlock-audit-tests-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// Events the executor writes for one call, built the way it will build them.
enum SampleEvents {
    static let actor = Actor(name: "ci-agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 4242, owner: "team-infra")

    static func call(_ tool: String = "sql.query", arguments: [String: JSONValue] = ["query": "select 1"],
                     id: String = UUID().uuidString.lowercased()) -> ToolCall {
        ToolCall(id: id, tool: tool, arguments: arguments, actor: actor,
                 claims: CallClaims(onBehalfOf: "alice", reason: "nightly report"))
    }

    static func decision(_ effect: Decision.Effect, rule: String = "allow-read-only") -> Decision {
        Decision(effect: effect, ruleIDs: [rule], reasons: ["matched \(rule)"], policyRevision: "rev-1")
    }

    static func result(deniedSyscalls: [String] = [], limitsHit: [LimitHit] = []) -> RunResult {
        RunResult(
            termination: limitsHit.isEmpty ? .exited : .limitKilled, exitCode: limitsHit.isEmpty ? 0 : nil,
            signal: limitsHit.isEmpty ? nil : 9, wallSeconds: 0.01, userCPUSeconds: 0.001, systemCPUSeconds: 0.002,
            peakMemoryBytes: 1 << 20,
            stdout: CapturedOutput(text: "ok", totalBytes: 2, truncated: false),
            stderr: CapturedOutput(text: "", totalBytes: 0, truncated: false),
            limitsHit: limitsHit,
            deniedSyscalls: deniedSyscalls.map { SyscallRecord(name: $0, number: 0, arguments: [], outcome: "denied:EPERM") },
            recordedSyscalls: [SyscallRecord(name: "openat", number: 257, arguments: [], path: "/tmp/out", outcome: "allowed")],
            killedBySyscall: nil,
            manifest: EnforcementManifest(
                profile: "default", profileDigest: "d", namespaces: ["user", "mnt"], uidInside: 1000, gidInside: 1000,
                uidOutside: 1000, gidOutside: 1000, rootFilesystem: ["tmpfs"], network: "none", landlockABI: 4,
                landlockFilesystemRights: [], landlockNetworkRule: nil, seccompFilterDigest: "f",
                seccompDefaultAction: "errno", seccompAllowedSyscalls: 200, capabilities: "none", noNewPrivs: true,
                cgroupVersion: "v2", cgroupControllers: ["memory"], limits: ["wall_clock": 10], recordedSyscalls: ["openat"]))
    }

    /// The full story of an allowed call: received, decided, credential, run.
    static func allowedStory(_ call: ToolCall, deniedSyscalls: [String] = []) -> [AuditEvent] {
        [
            AuditEvent(kind: .callReceived, call: call),
            AuditEvent(kind: .policyDecided, call: call, fields: AuditFields.decision(decision(.allow))),
            AuditEvent(kind: .credentialIssued, call: call, fields: AuditFields.credential(jti: "jti-\(call.id)")),
            AuditEvent(kind: .runStarted, call: call),
            AuditEvent(kind: .runFinished, call: call, fields: AuditFields.result(result(deniedSyscalls: deniedSyscalls))),
        ]
    }
}

extension AuditStore {
    /// A store in `directory` with a fresh signing key.
    static func forTest(in directory: TemporaryDirectory, key: Curve25519.Signing.PrivateKey = .init(),
                        checkpointEvery: Int = 10) throws -> AuditStore {
        try AuditStore(path: directory.file("audit.sqlite"), signingKey: key, checkpointEvery: checkpointEvery)
    }

    /// `call.received` records `call-<i>` for each i in `range`, as the tamper tests use them.
    func appendCalls(_ range: Range<Int>) async throws {
        for index in range {
            _ = try await append(AuditEvent(kind: .callReceived, callID: "call-\(index)", tool: "sql.query",
                                            arguments: ["n": .int(Int64(index))]))
        }
    }

    func append(_ events: [AuditEvent]) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        for event in events { records.append(try await append(event)) }
        return records
    }
}

/// Runs the `sqlite3` command-line tool, the way an attacker with file
/// access (or an admin) would touch the database behind Airlock's back.
@discardableResult
func sqlite(_ path: String, _ sql: String) throws -> String {
    let finished = try HostCommand.run("/usr/bin/sqlite3", [path, sql], stderr: .merged)
    let text = finished.stdoutText
    guard finished.status == 0 else { throw AirlockError(.internalError, "sqlite3 failed: \(text)") }
    return text
}

/// Drops the append-only triggers, as anyone with write access to the file can.
func disableAppendOnlyGuards(_ path: String) throws {
    try sqlite(path, "DROP TRIGGER audit_events_append_only_update; DROP TRIGGER audit_events_append_only_delete;")
}
