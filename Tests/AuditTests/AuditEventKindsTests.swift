import AirlockCore
import Foundation
import Testing
@testable import Audit

/// Every kind the executor reports is stored with its identity block and
/// kind-specific fields in the snake_case shapes queries and SIEMs read.
@Suite("Audit event kinds and their fields")
struct AuditEventKindsTests {
    @Test func everyKindRoundTripsWithItsFields() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let call = SampleEvents.call("build", arguments: ["target": "release"])
        let limited = SampleEvents.result(deniedSyscalls: ["ptrace"],
                                          limitsHit: [LimitHit(kind: .memory, limit: 1 << 20, evidence: "cgroup memory.events oom_kill=1")])
        let events: [AuditEvent] = [
            AuditEvent(kind: .daemonStarted, fields: ["version": "1"]),
            AuditEvent(kind: .policyLoaded, fields: ["policy_revision": "rev-1"]),
            AuditEvent(kind: .callReceived, call: call),
            AuditEvent(kind: .policyDecided, call: call, fields: AuditFields.decision(SampleEvents.decision(.review))),
            AuditEvent(kind: .approvalRequested, call: call, fields: AuditFields.approval(id: "apr-9")),
            AuditEvent(kind: .approvalReviewed, call: call, fields: AuditFields.approval(id: "apr-9", reviewers: ["bob"])),
            AuditEvent(kind: .approvalExpired, call: call, fields: AuditFields.approval(id: "apr-8")),
            AuditEvent(kind: .approvalCancelled, call: call, fields: AuditFields.approval(id: "apr-7")),
            AuditEvent(kind: .approvalReviewRefused, call: call, fields: AuditFields.approval(id: "apr-6")),
            AuditEvent(kind: .approvalResumeRefused, call: call, fields: AuditFields.approval(id: "apr-5")),
            AuditEvent(kind: .credentialIssued, call: call, fields: AuditFields.credential(jti: "jti-1", extra: ["ttl_seconds": 30])),
            AuditEvent(kind: .credentialUsed, call: call, fields: AuditFields.credential(jti: "jti-1")),
            AuditEvent(kind: .runStarted, call: call),
            AuditEvent(kind: .runFinished, call: call, fields: AuditFields.result(limited)),
            AuditEvent(kind: .callRefused, call: call, fields: ["error": ["code": "audit_unavailable", "message": "x"]]),
            AuditEvent(kind: .daemonStopped),
        ]
        let written = try await store.append(events)
        let read = try store.reader.records()
        #expect(Set(read.map(\.kind)) == Set(AuditEvent.Kind.allCases.filter { $0 != .checkpoint }))
        #expect(read.map(\.seq) == written.map(\.seq))

        let decided = try #require(read.first { $0.kind == .policyDecided })
        #expect(decided.fields["decision"]?["policy_revision"] == "rev-1")
        #expect(decided.fields["decision"]?["rule_ids"] == ["allow-read-only"])
        #expect(decided.actor?.name == "ci-agent" && decided.actor?.pid == 4242 && decided.actor?.onBehalfOf == "alice")
        #expect(decided.actor?.reason == "nightly report")

        let finished = try #require(read.first { $0.kind == .runFinished })
        let result = try #require(finished.fields["result"])
        #expect(result["termination"] == "limit_killed")
        #expect(result["limits_hit"]?.arrayValue?.first?["kind"] == "memory")
        #expect(result["denied_syscalls"]?.arrayValue?.first?["name"] == "ptrace")
        #expect(result["manifest"]?["landlock_abi"] == 4)
        #expect(result["manifest"]?["seccomp_filter_digest"] == "f")
        #expect(result["user_cpu_seconds"] != nil)
        #expect(result["stdout"]?["total_bytes"] == 2)

        #expect(read.first { $0.kind == .credentialIssued }?.fields["credential"]?["jti"] == "jti-1")
        #expect(read.first { $0.kind == .approvalReviewed }?.fields["approval"]?["reviewers"] == ["bob"])
        try await store.close()
    }
}
