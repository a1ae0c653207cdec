import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Sandbox
import Testing

/// An approval answers "may this command run under this rule?". These
/// tests change the rule or the command between the approval and the
/// resume — an admin edits the policy or the catalog and restarts the
/// daemon — and check that the old approval runs nothing.
@Suite("approval resumed after the policy or the tool changed", .serialized)
struct ApprovalDriftTests {
    /// Queues `argv original` under the review decision, approves it, and
    /// returns its id: an approval granted, waiting for its agent to resume.
    func approvedRecord(_ fixture: AdminFixture) async throws -> String {
        let harness = try GateHarness(fixture, wait: .zero)
        guard case .pending(let id, _) = await harness.execute(GateHarness.argvCall("original")) else {
            throw AirlockError(.internalError, "an undecided call did not end pending")
        }
        _ = try await fixture.store.approve(id: id, approverUID: AdminFixture.me)
        return id
    }

    /// The daemon restarted (a new gate and executor on the same queue)
    /// with `decision` as its policy; the agent resumes.
    func resumeAfterRestart(_ fixture: AdminFixture, _ id: String, decision: Decision,
                            catalogYAML: String = testCatalogYAML, actor: Actor = AdminFixture.agent,
                            profiles: [String: ResourceLimits] = ProcessToolRunner.defaultProfiles) async throws -> (CallOutcome, GateHarness) {
        let restarted = try GateHarness(fixture, wait: .seconds(5), catalogYAML: catalogYAML, profiles: profiles)
        restarted.policy.set(decision)
        let outcome = try await restarted.gate.resumeCall(approvalID: id, actor: actor) { await restarted.execute($0) }
        return (outcome, restarted)
    }

    @Test("a changed review requirement refuses the resume and closes the record", arguments: Drift.allCases)
    func changedRequirementRefused(drift: Drift) async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: drift.decision)
        guard case .refused(let error, _) = outcome else { Issue.record("an approval under the old policy ran: \(outcome)"); return }
        #expect(error.code == .conflict)
        #expect(error.message.contains(drift.change), "\(error.message)")
        #expect(error.message.contains("again"), "the agent is not told to call again: \(error.message)")
        #expect(restarted.runner.startedPIDs.isEmpty)
        let closed = try await fixture.store.record(id: id)
        #expect(closed.state == .failed)
        #expect(closed.runNote?.contains(drift.change) == true, "\(closed.runNote ?? "")")
        // Changing the policy back does not revive it.
        let (again, _) = try await resumeAfterRestart(fixture, id, decision: AdminFixture.reviewDecision())
        guard case .refused(let second, _) = again else { Issue.record("a closed approval ran: \(again)"); return }
        #expect(second.code == .conflict)
    }

    @Test("the resume is refused in the pipeline's audit trail with its reason")
    func refusalIsAudited() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let (_, restarted) = try await resumeAfterRestart(fixture, id, decision: Drift.all.decision)
        let refused = try #require(restarted.audit.events.last { $0.kind == .callRefused })
        #expect(refused.fields["code"] == "conflict")
        #expect(refused.fields["message"]?.stringValue?.contains(id) == true)
        #expect(refused.fields["message"]?.stringValue?.contains("approver group 'oncall' → 'security'") == true)
        #expect(!restarted.audit.kinds.contains(.runStarted))
    }

    @Test("a policy that now denies the call denies the resume and closes the record")
    func nowDeniedIsDenied() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let deny = Decision(effect: .deny, ruleIDs: ["freeze"], reasons: ["change freeze"], policyRevision: "test-2")
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: deny)
        guard case .refused(let error, _) = outcome else { Issue.record("a denied call ran: \(outcome)"); return }
        #expect(error.code == .policyDenied)
        #expect(restarted.runner.startedPIDs.isEmpty)
        #expect(try await fixture.store.record(id: id).state == .failed)
    }

    @Test("a changed command in the catalog refuses the resume")
    func changedToolRefused() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let edited = testCatalogYAML.replacingOccurrences(of: #"printf '<%s>'"#, with: #"printf '[%s]'; rm -f /tmp/x"#)
        #expect(edited != testCatalogYAML)
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: AdminFixture.reviewDecision(),
                                                                catalogYAML: edited)
        guard case .refused(let error, _) = outcome else { Issue.record("an edited command ran on an old approval: \(outcome)"); return }
        #expect(error.code == .conflict)
        #expect(error.message.contains("tool's definition"), "\(error.message)")
        #expect(restarted.runner.startedPIDs.isEmpty)
    }

    /// The catalog names the same profile, but the profile itself changed
    /// (here its limits; on a real host, network or binds) and the daemon
    /// restarted: the approval was for the profile as it was.
    @Test("a profile changed under the same name refuses the resume")
    func changedProfileRefused() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let loosened = ["test": ResourceLimits(wallSeconds: 3600)]
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: AdminFixture.reviewDecision(), profiles: loosened)
        guard case .refused(let error, _) = outcome else { Issue.record("a run under a changed profile used the old approval: \(outcome)"); return }
        #expect(error.code == .conflict)
        #expect(error.message.contains("tool's definition"), "\(error.message)")
        #expect(restarted.runner.startedPIDs.isEmpty)
    }

    @Test("a record stored before tools were bound still reads, but does not resume")
    func recordWithoutToolDigestRefused() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let record = try await fixture.pending(arguments: ["value": "original"])
        #expect(record.request.toolDigest == nil)
        _ = try await fixture.store.approve(id: record.id, approverUID: AdminFixture.me)
        #expect(try await fixture.store.record(id: record.id).state == .approved)
        let (outcome, restarted) = try await resumeAfterRestart(fixture, record.id, decision: AdminFixture.reviewDecision())
        guard case .refused(let error, _) = outcome else { Issue.record("an unbound record ran: \(outcome)"); return }
        #expect(error.code == .conflict)
        #expect(error.message.contains("predates"), "\(error.message)")
        #expect(restarted.runner.startedPIDs.isEmpty)
    }

    /// The admin changed the agent's roles (which rule applies) or its
    /// owner (who may not approve) and restarted: the approval was granted
    /// to someone else, as far as the policy is concerned.
    @Test("a requester whose roles or owner changed cannot resume the old approval", arguments: [
        (["agent", "deployer"], "olivia", "requester roles [agent] → [agent, deployer]"),
        (["agent"], "mallory", "requester owner 'olivia' → 'mallory'"),
    ])
    func changedRequesterRefused(roles: [String], owner: String, change: String) async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        var now = AdminFixture.agent
        now.roles = roles
        now.owner = owner
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: AdminFixture.reviewDecision(), actor: now)
        guard case .refused(let error, _) = outcome else { Issue.record("an approval for the old requester ran: \(outcome)"); return }
        #expect(error.code == .conflict)
        #expect(error.message.contains(change), "\(error.message)")
        #expect(restarted.runner.startedPIDs.isEmpty)
        #expect(try await fixture.store.record(id: id).state == .failed)
    }

    @Test("the same policy and tool still resume and run once")
    func unchangedStillRuns() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let id = try await approvedRecord(fixture)
        let (outcome, restarted) = try await resumeAfterRestart(fixture, id, decision: AdminFixture.reviewDecision())
        guard case .completed(let result) = outcome else { Issue.record("an unchanged approval did not run: \(outcome)"); return }
        #expect(result.stdout.text == "<--><original>")
        #expect(restarted.runner.requests.count == 1)
    }
}

/// How the policy changed between approval and resume; `change` is what
/// the refusal must say.
enum Drift: CaseIterable, Sendable, CustomTestStringConvertible {
    case group, threshold, reasonRequired, ruleIDs, revision, all

    var decision: Decision {
        var decision = AdminFixture.reviewDecision()
        var review = decision.review!
        switch self {
        case .group: review.group = "security"
        case .threshold: review.threshold = 2
        case .reasonRequired: review.reasonRequired = true
        case .ruleIDs: decision.ruleIDs.append("egress-review")
        case .revision: decision.policyRevision = "test-2"
        case .all:
            review = ReviewRequirement(group: "security", threshold: 2, reasonRequired: true, ruleID: "needs-review",
                                       message: "security must approve")
            decision.policyRevision = "test-2"
        }
        decision.review = review
        return decision
    }

    var change: String {
        switch self {
        case .group, .all: "approver group 'oncall' → 'security'"
        case .threshold: "threshold 1 → 2"
        case .reasonRequired: "reason required no → yes"
        case .ruleIDs: "rule ids [needs-review] → [egress-review, needs-review]"
        case .revision: "policy revision test → test-2"
        }
    }

    var testDescription: String { "\(self)" }
}

/// What approvers and webhooks see of a call is masked: its arguments, and
/// its claims, which are the agent's own text too. The record keeps the
/// raw call (it is what runs, and who it is on behalf of decides who may
/// not approve).
@Suite("approval claims are masked for approvers")
struct ApprovalClaimMaskingTests {
    @Test func theReasonAndPrincipalApproversSeeAreMasked() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let hideSecret: ApprovalArgumentMasker = { call, _ in
            call.arguments.mapValues { value in value.stringValue.map { .string($0.replacingOccurrences(of: "s3cret", with: "[masked]")) } ?? value }
        }
        let harness = try GateHarness(fixture, wait: .zero, mask: hideSecret)
        var call = GateHarness.argvCall("x")
        call.claims = CallClaims(onBehalfOf: "pat s3cret", reason: "token s3cret please")
        guard case .pending(let id, _) = await harness.execute(call) else { Issue.record("not pending"); return }
        let record = try await fixture.store.record(id: id)
        #expect(record.displayJSON["reason"] == "token [masked] please")
        #expect(record.displayJSON["on_behalf_of"] == "pat [masked]")
        #expect(record.onBehalfOf == "pat s3cret")
    }
}
