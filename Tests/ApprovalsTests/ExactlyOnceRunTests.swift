import AirlockCore
import Approvals
import Foundation
import Testing

@Suite("Exactly-once runs")
struct ExactlyOnceRunTests {
    @Test("only an APPROVED record can be claimed, and only once")
    func claimOnce() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending()
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.claimForRun(id: record.id) } == .conflict)
        _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        let action = try await fixture.store.claimForRun(id: record.id)
        #expect(action.approvalID == record.id)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.claimForRun(id: record.id) } == .conflict)
        let done = try await fixture.store.finishRun(id: record.id, succeeded: true)
        #expect(done.state == .done)
        #expect(await AirlockError.Code.thrown { _ = try await fixture.store.claimForRun(id: record.id) } == .conflict)
    }

    @Test("the run uses the stored arguments, not re-sent ones")
    func storedArgumentsRun() async throws {
        let fixture = try StoreFixture()
        let original = Cast.call(["env": "staging", "version": "1.4.2"])
        let record = try await fixture.pending(original)
        _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        // The agent resumes with the same approval id but other arguments;
        // the claim takes only the id, and hands back what was approved.
        let resent = Cast.call(["env": "prod", "version": "6.6.6"])
        let action = try await fixture.store.claimForRun(id: record.id)
        #expect(action.call.arguments == original.arguments)
        #expect(action.call.tool == original.tool)
        #expect(action.actionDigest == original.actionDigest)
        #expect(action.actionDigest != resent.actionDigest)
        #expect(action.call.actor == Cast.agent)
    }

    @Test("20 concurrent approvals and claims over two connections run the action once")
    func racingApprovalsRunOnce() async throws {
        let racers = (0..<20).map { Approver(uid: UInt32(4000 + $0), person: "racer-\($0)", groups: ["oncall"]) }
        let fixture = try StoreFixture(approvers: racers)
        let record = try await fixture.pending()
        let stores = [fixture.store, try fixture.reopen()]
        let runs = Shared(0)
        let approvalsAccepted = Shared(0)
        await withTaskGroup(of: Void.self) { group in
            for (index, racer) in racers.enumerated() {
                let store = stores[index % 2]
                group.addTask {
                    if (try? await store.approve(id: record.id, approverUID: racer.uid)) != nil {
                        approvalsAccepted.mutate { $0 += 1 }
                    }
                    // Claim whether or not this racer's approval landed:
                    // every racer tries to run the action.
                    for _ in 0..<50 {
                        do {
                            _ = try await store.claimForRun(id: record.id)
                            runs.mutate { $0 += 1 }
                            return
                        } catch let error as AirlockError where error.code == .conflict {
                            let state = try? await store.record(id: record.id).state
                            if state != .pending { return }
                            await Task.yield()
                        } catch {
                            return
                        }
                    }
                }
            }
        }
        #expect(runs.value == 1)
        #expect(approvalsAccepted.value == 1)
        let final = try await fixture.store.record(id: record.id)
        #expect(final.state == .running)
        #expect(final.reviews.count == 1)
    }
}
