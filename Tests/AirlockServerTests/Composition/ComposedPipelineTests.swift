import AirlockCore
import AirlockServer
import Approvals
import Audit
import Foundation
import Testing

/// Tool calls through the socket and the full pipeline as airlockd composes
/// it: the default policy decides, a credential is minted, the sandbox runs
/// the tool, and the audit trail records each step with its fields.
@Suite("composed daemon: policy, credentials, sandbox, audit", .serialized)
struct ComposedPipelineTests {
    /// Calls `tool` and returns the reply plus the audit story of the call
    /// (found by a unique marker in its arguments).
    func callAndStory(_ daemon: ComposedDaemon, _ tool: String, _ arguments: [String: JSONValue], marker: String)
        async throws -> (JSONValue, [AuditRecord]) {
        let path = daemon.socketPath
        let reply = try await blocking { try AgentClient(socketPath: path).call(tool, arguments) }
        let records = try daemon.allRecords()
        let callID = try #require(records.first { $0.kind == .callReceived && $0.eventText.contains(marker) }?.callID)
        return (reply, try daemon.story(of: callID))
    }

    @Test func anAllowedCallIsRecordedFromRequestToOutcome() async throws {
        let daemon = try await ComposedDaemon.start()
        defer { Task { await daemon.stop() } }
        let marker = "allowed-\(UUID().uuidString.prefix(8))"
        let (reply, story) = try await callAndStory(daemon, "run_shell", ["command": .string("echo \(marker)")], marker: marker)
        #expect(reply.toolText == "\(marker)\n")
        #expect(story.map(\.kind) == [.callReceived, .policyDecided, .credentialIssued, .runStarted, .runFinished])
        let received = story[0]
        #expect(received.actor?.uid == getuid())
        #expect(received.actor?.pid == getpid())
        #expect(received.tool == "run_shell")
        #expect(received.argumentsDigest == ToolCall.actionDigest(tool: "run_shell", arguments: ["command": .string("echo \(marker)")]))
        let decision = try #require(story[1].fields["decision"])
        #expect(decision["effect"] == "allow")
        #expect(decision["rule_ids"]?.arrayValue?.contains("shell-permit") == true)
        #expect(decision["policy_revision"]?.stringValue?.count == 64)
        #expect(story[2].fields["credential"]?["jti"]?.stringValue?.isEmpty == false)
        let result = try #require(story[4].fields["result"])
        #expect(result["exit_code"] == 0)
        #expect(result["manifest"]?["profile"] == "shell")
        #expect(result["manifest"]?["seccomp_filter_digest"]?.stringValue?.count == 64)
        #expect(try AuditReader(path: daemon.auditPath).verify().firstBadSeq == nil)
    }

    @Test func aForbiddenCallIsRefusedWithItsRuleAndNothingRuns() async throws {
        let daemon = try await ComposedDaemon.start()
        defer { Task { await daemon.stop() } }
        let marker = "forbidden-\(UUID().uuidString.prefix(8))"
        let (reply, story) = try await callAndStory(daemon, "run_shell", ["command": .string("rm -rf / # \(marker)")], marker: marker)
        #expect(reply["isError"] == true)
        #expect(reply.toolText.contains("shell-forbid-destructive-delete"))
        #expect(story.map(\.kind) == [.callReceived, .policyDecided, .callRefused])
        #expect(story[1].fields["decision"]?["effect"] == "deny")
        #expect(story[2].fields["code"] == "policy_denied")
    }

    @Test func aLimitHitAndADeniedSyscallAreInTheRunRecord() async throws {
        let daemon = try await ComposedDaemon.start()
        defer { Task { await daemon.stop() } }
        let marker = "limits-\(UUID().uuidString.prefix(8))"
        // unshare is denied by every profile's filter; yes floods past the output cap.
        let command = "unshare -U true; echo \(marker); yes"
        let (reply, story) = try await callAndStory(daemon, "run_shell", ["command": .string(command)], marker: marker)
        #expect(reply.toolText.hasPrefix("\(marker)\n") || reply.toolText.contains(marker))
        let result = try #require(story.last { $0.kind == .runFinished }?.fields["result"])
        let hits = result["limits_hit"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(hits.contains("output_bytes"), "limits_hit: \(hits)")
        let denied = result["denied_syscalls"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(denied.contains("unshare"), "denied: \(denied)")
    }

    @Test func anInjectedSecretComesBackMaskedAndIsNeverRecorded() async throws {
        let daemon = try await ComposedDaemon.start()
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let reply = try await blocking { try AgentClient(socketPath: path).call("echo_secret", [:]) }
        #expect(reply["isError"] != true, "\(reply)")
        #expect(reply.toolText.contains("token="))
        #expect(reply.toolText.contains("credential=present"))
        #expect(!reply.toolText.contains(ComposedDaemon.secretValue))
        #expect(!reply.canonicalText.contains(ComposedDaemon.secretValue))
        let trail = try daemon.allRecords().map(\.eventText).joined(separator: "\n")
        #expect(!trail.contains(ComposedDaemon.secretValue))
        let database = try Data(contentsOf: URL(fileURLWithPath: daemon.auditPath))
        #expect(database.range(of: Data(ComposedDaemon.secretValue.utf8)) == nil)
    }

    @Test func anAuditStoreThatCannotBeWrittenRefusesCallsAndNothingRuns() async throws {
        let daemon = try await ComposedDaemon.start()
        defer { Task { await daemon.stop() } }
        // Closing the store is what a failed disk looks like to the pipeline.
        try await daemon.modules.audit?.close()
        let marker = "unrecorded-\(UUID().uuidString.prefix(8))"
        let path = daemon.socketPath
        let reply = try await blocking {
            try AgentClient(socketPath: path).call("run_shell", ["command": .string("echo \(marker) > /workspace/ran; sleep 30; echo \(marker)")])
        }
        #expect(reply["isError"] == true)
        #expect(reply["structuredContent"]?["code"] == "audit_unavailable")
        #expect(reply.toolText.contains("audit"))
        // No process of that command ever existed on the host.
        #expect(hostProcesses(containing: marker).isEmpty)
    }

    @Test func aReviewedCallRunsOnceApprovedWithEveryStepRecorded() async throws {
        let daemon = try await ComposedDaemon.start(withApprovals: true)
        defer { Task { await daemon.stop() } }
        let store = try #require(daemon.approvals?.store)
        let marker = "reviewed-\(UUID().uuidString.prefix(8))"
        // A host off the policy's allowlist: egress goes to review by security.
        let arguments: [String: JSONValue] = ["command": .string("echo \(marker); curl -s https://unlisted.example/ || true")]
        let path = daemon.socketPath
        async let reply = blocking { try AgentClient(socketPath: path).call("run_shell", arguments) }

        var pending: [ApprovalRecord] = []
        for _ in 0..<600 where pending.isEmpty {
            pending = try await store.list(states: [.pending])
            if pending.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        let record = try #require(pending.first)
        // The requester itself can't approve; the configured approver can.
        await #expect(throws: AirlockError.self) { _ = try await store.approve(id: record.id, approverUID: getuid(), reason: "self") }
        _ = try await store.approve(id: record.id, approverUID: ComposedDaemon.approverUID, reason: "destination checked")

        let answer = try await reply
        #expect(answer["isError"] != true, "\(answer)")
        #expect(answer.toolText.hasPrefix("\(marker)\n"))
        let callID = try #require(try daemon.allRecords().first { $0.kind == .callReceived && $0.eventText.contains(marker) }?.callID)
        let kinds = try daemon.story(of: callID).map(\.kind)
        #expect(kinds.first == .callReceived)
        #expect(kinds.contains(.approvalRequested))
        #expect(kinds.contains(.approvalReviewed))
        #expect(kinds.suffix(3) == [.credentialIssued, .runStarted, .runFinished], "\(kinds)")
        #expect(try daemon.story(of: callID).first { $0.kind == .policyDecided }?.fields["decision"]?["effect"] == "review")
        #expect(try await store.record(id: record.id).state == .done)
    }

    func hostProcesses(containing text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }
}
