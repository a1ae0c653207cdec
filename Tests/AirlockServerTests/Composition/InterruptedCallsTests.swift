import AirlockCore
import Audit
import Executor
import Foundation
import Testing

/// Every call in the trail ends, even one the daemon died in the middle of:
/// the next start writes its outcome.
@Suite("calls interrupted by a daemon crash")
struct InterruptedCallsTests {
    static let actor = AuditEvent.ActorInfo(name: "agent", uid: 1000, gid: 1000, pid: 42)

    static func event(_ kind: AuditEvent.Kind, _ call: String) -> AuditEvent {
        AuditEvent(kind: kind, callID: call, actor: actor, tool: "shell")
    }

    @Test func eachUnfinishedCallGetsOneOutcomeAtTheNextStart() async throws {
        let directory = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.sqlite").path
        let store = try AuditStore(path: path, signingKey: nil)
        // Before the last start: already handled then.
        _ = try await store.append(Self.event(.callReceived, "older"))
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        for kind: AuditEvent.Kind in [.callReceived, .policyDecided, .credentialIssued, .runStarted] {
            _ = try await store.append(Self.event(kind, "running"))
        }
        _ = try await store.append(Self.event(.callReceived, "deciding"))
        _ = try await store.append(Self.event(.policyDecided, "deciding"))
        for kind: AuditEvent.Kind in [.callReceived, .runStarted, .runFinished] { _ = try await store.append(Self.event(kind, "done")) }
        for kind: AuditEvent.Kind in [.callReceived, .callRefused] { _ = try await store.append(Self.event(kind, "refused")) }
        for kind: AuditEvent.Kind in [.callReceived, .approvalRequested] { _ = try await store.append(Self.event(kind, "pending")) }
        // A reviewed call, resumed and running when the daemon died: the
        // approval queue's recovery closes it, not this.
        _ = try await store.append(Self.event(.callReceived, "approved"))
        _ = try await store.append(AuditEvent(kind: .policyDecided, callID: "approved", actor: Self.actor, tool: "shell",
                                              fields: ["decision": ["effect": "review"]]))
        _ = try await store.append(AuditEvent(kind: .runStarted, callID: "approved", actor: Self.actor, tool: "shell",
                                              fields: ["approval_id": "apr-1"]))

        let closed = try await InterruptedCalls.close(trailAt: path, store: store)
        #expect(closed == ["running", "deciding"])
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        // A second start finds nothing left open.
        #expect(try await InterruptedCalls.close(trailAt: path, store: store).isEmpty)
        try await store.close()

        let reader = try AuditReader(path: path)
        let running = try reader.story(callID: "running").last
        #expect(running?.kind == .runFinished)
        #expect(running?.fields["termination"] == "interrupted")
        let deciding = try reader.story(callID: "deciding").last
        #expect(deciding?.kind == .callRefused)
        #expect(deciding?.fields["code"] == "interrupted")
        for id in ["older", "done", "refused", "pending", "approved"] {
            #expect(try reader.story(callID: id).allSatisfy { $0.fields["code"] != "interrupted" && $0.fields["termination"] != "interrupted" })
        }
        #expect(try reader.verify().problems.isEmpty)
    }
}
