import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Synchronization
import Testing

/// The agent side of an approval through the real executor pipeline: the
/// gate queues the call, waits, and on approval the stored call runs once.
@Suite("store approval gate", .serialized)
struct AdminStoreApprovalGateTests {
    @Test func anApprovalOnTheAdminSocketResumesTheWaitingCall() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .seconds(30))
        let waiting = Task { await harness.execute(GateHarness.argvCall("original")) }
        let record = try await harness.queuedRecord()
        #expect(harness.runner.startedPIDs.isEmpty)

        let reply = try await blocking {
            try fixture.client().request("approvals/approve", params: ["id": .string(record.id), "reason": "fine"])
        }
        #expect(reply["approval"]?["state"] == "APPROVED")
        guard case .completed(let result) = await waiting.value else { Issue.record("the approved call did not run"); return }
        #expect(result.stdout.text == "<--><original>")
        #expect(harness.runner.requests.count == 1)
        #expect(try await fixture.store.record(id: record.id).state == .done)
        #expect(harness.progress.all.contains { $0.hasPrefix("waiting for approval \(record.id)") })
        #expect(harness.progress.all.contains { $0.hasPrefix("approved by tester") })
    }

    @Test func aDenialReachesTheCallerWithTheApproversReason() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .seconds(30))
        let waiting = Task { await harness.execute(GateHarness.argvCall("original")) }
        let record = try await harness.queuedRecord()
        _ = try await blocking {
            try fixture.client().request("approvals/deny", params: ["id": .string(record.id), "reason": "use the staging cluster"])
        }
        guard case .refused(let error, _) = await waiting.value else { Issue.record("a denied call ran"); return }
        #expect(error.code == .approvalDenied)
        #expect(error.message.contains("use the staging cluster"))
        #expect(error.message.contains("tester"))
        #expect(harness.runner.startedPIDs.isEmpty)
    }

    @Test func aTimeoutIsPendingNeverARunAndOnlyTheRequesterResumes() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .milliseconds(300))
        guard case .pending(let id, _) = await harness.execute(GateHarness.argvCall("original")) else {
            Issue.record("an undecided call did not end pending"); return
        }
        #expect(harness.runner.startedPIDs.isEmpty)
        #expect(try await fixture.store.record(id: id).state == .pending)

        let intruderCall = await airlockCode {
            _ = try await harness.gate.resumeCall(approvalID: id, actor: AdminFixture.selfAgent) { await harness.execute($0) }
        }
        #expect(intruderCall == .forbidden)

        _ = try await fixture.store.approve(id: id, approverUID: AdminFixture.me)
        // A later connection of the same agent: another pid, same uid and name.
        var later = AdminFixture.agent
        later.pid += 1
        let resumed = try await harness.gate.resumeCall(approvalID: id, actor: later) { await harness.execute($0) }
        guard case .completed(let result) = resumed else { Issue.record("the approved call did not run: \(resumed)"); return }
        #expect(result.stdout.text == "<--><original>")
        #expect(try await fixture.store.record(id: id).state == .done)

        let again = try await harness.gate.resumeCall(approvalID: id, actor: later) { await harness.execute($0) }
        guard case .refused(let error, _) = again else { Issue.record("an approved action ran twice"); return }
        #expect(error.code == .conflict)
        #expect(harness.runner.requests.count == 1)
    }

    /// Another agent resuming this record, and anyone
    /// resuming an id that names no record: each refused before anything
    /// runs, each with exactly one `approval.resume_refused` event naming
    /// who tried.
    @Test func eachRefusedResumeIsAuditedOnce() async throws {
        let audit = MemoryAudit()
        let fixture = try await AdminFixture.start(audit: audit.approvalSink)
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .zero)
        guard case .pending(let id, _) = await harness.execute(GateHarness.argvCall("original")) else {
            Issue.record("an undecided call did not end pending"); return
        }
        let gate = harness.gate
        let attempts: [(id: String, code: AirlockError.Code, attempt: @Sendable (String) async throws -> Void)] = [
            (id, .forbidden, { _ = try await gate.resumeCall(approvalID: $0, actor: AdminFixture.selfAgent) { await harness.execute($0) } }),
            ("apr-00000000000000000000", .notFound,
             { _ = try await gate.resumeCall(approvalID: $0, actor: AdminFixture.agent) { await harness.execute($0) } }),
        ]
        for attempt in attempts {
            let before = audit.events.count
            #expect(await airlockCode { try await attempt.attempt(attempt.id) } == attempt.code)
            let written = audit.events.dropFirst(before)
            #expect(written.map(\.kind) == [.approvalResumeRefused])
            let event = try #require(written.first)
            #expect(event.fields["approval_id"] == .string(attempt.id))
            #expect(event.fields["code"] == .string(attempt.code.rawValue))
        }
        let intruder = try #require(audit.events.first { $0.kind == .approvalResumeRefused })
        #expect(intruder.actor?.uid == AdminFixture.selfAgent.uid && intruder.actor?.name == "test-agent")
        #expect(intruder.fields["requester"]?["name"] == "ci-agent")
        #expect(harness.runner.startedPIDs.isEmpty)
        #expect(try await fixture.store.record(id: id).state == .pending)
    }

    @Test func resumeHandsBackTheStoredCallAndAFailedRunEndsFailed() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .zero)
        let call = GateHarness.argvCall("original")
        let tool = try #require(harness.executor.catalog["argv"])
        guard case .pending(let id) = try await harness.gate.requestApproval(
            for: call, tool: tool, decision: AdminFixture.reviewDecision(), progress: .silent) else {
            Issue.record("a zero wait was not pending"); return
        }
        _ = try await fixture.store.approve(id: id, approverUID: AdminFixture.me)
        // The pipeline's own step, as the resumed call reaches it: the gate
        // hands the approved record back instead of queuing a new one.
        let handedBack = Mutex<ApprovalOutcome?>(nil)
        _ = try await harness.gate.resumeCall(approvalID: id, actor: AdminFixture.agent) { storedCall in
            let outcome = try? await harness.gate.requestApproval(for: storedCall, tool: tool, decision: AdminFixture.reviewDecision(),
                                                                   progress: .silent)
            handedBack.withLock { $0 = outcome }
            return .refused(AirlockError(.setupFailed, "not run by this test"), decision: nil)
        }
        guard case .approved(let approvedID, let stored) = handedBack.withLock({ $0 }) else {
            Issue.record("an approved record was not handed back"); return
        }
        #expect(approvedID == id)
        #expect(stored.id == call.id)
        #expect(stored.arguments == call.arguments)
        #expect(stored.actor == call.actor)
        #expect(try await fixture.store.record(id: id).state == .running)

        await harness.gate.approvedRunEnded(approvalID: id, result: .failure(AirlockError(.setupFailed, "no sandbox")))
        let ended = try await fixture.store.record(id: id)
        #expect(ended.state == .failed)
        #expect(ended.runNote?.contains("no sandbox") == true)
    }

    @Test func aResumeThatNoLongerNeedsTheApprovalClosesIt() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .milliseconds(200))
        guard case .pending(let id, _) = await harness.execute(GateHarness.argvCall("original")) else {
            Issue.record("an undecided call did not end pending"); return
        }
        _ = try await fixture.store.approve(id: id, approverUID: AdminFixture.me)
        harness.policy.set(Decision(effect: .allow, ruleIDs: ["now-allowed"], reasons: ["allowed"], policyRevision: "test-2"))
        let resumed = try await harness.gate.resumeCall(approvalID: id, actor: AdminFixture.agent) { await harness.execute($0) }
        guard case .completed = resumed else { Issue.record("an allowed call did not run: \(resumed)"); return }
        // The approval was not used, and can no longer be: the policy may say review again.
        let retired = try await fixture.store.record(id: id)
        #expect(retired.state == .failed)
        #expect(retired.runNote?.contains("not used") == true)
        harness.policy.set(AdminFixture.reviewDecision())
        let again = try await harness.gate.resumeCall(approvalID: id, actor: AdminFixture.agent) { await harness.execute($0) }
        guard case .refused(let error, _) = again else { Issue.record("a retired approval ran: \(again)"); return }
        #expect(error.code == .conflict)
        #expect(harness.runner.requests.count == 1)
    }

    @Test func anExpiredApprovalIsARefusal() async throws {
        let fixture = try await AdminFixture.start(expiry: .seconds(1))
        defer { Task { await fixture.stop() } }
        let harness = try GateHarness(fixture, wait: .seconds(20))
        guard case .refused(let error, _) = await harness.execute(GateHarness.argvCall("original")) else {
            Issue.record("an expired approval did not refuse"); return
        }
        #expect(error.code == .approvalExpired)
        #expect(harness.runner.startedPIDs.isEmpty)
    }
}
