import AirlockCore
import Approvals
import Dispatch
import Foundation
import Synchronization
import Testing

/// A store hands a change's audit events to the audit trail inside the
/// transaction, before it commits. The caller's task being cancelled at
/// that moment (an agent that hung up) must not roll the change back after
/// its events were recorded: the trail would show a request that never
/// existed, or an expiry written twice.
@Suite("Cancelled callers", .timeLimit(.minutes(3)))
struct CancelledTransactionTests {
    @Test func aCallerCancelledMidTransactionLeavesTheRecordItsEventsDescribe() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("approvals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inSink = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let events = Mutex<[AuditEvent.Kind]>([])
        let store = try ApprovalStore(path: directory.appendingPathComponent("approvals.sqlite").path,
                                      config: try ApprovalConfig(approvers: Cast.approvers)) { event in
            inSink.signal()
            release.wait()
            events.withLock { $0.append(event.kind) }
        }
        let call = Cast.call()
        let creating = Task { try await store.createPending(call: call, decision: Cast.decision(), maskedArguments: call.arguments) }
        // The transaction is open and its event is on its way to the trail.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { inSink.wait(); done.resume() }
        }
        creating.cancel()
        release.signal()
        _ = await creating.result
        let stored = try await store.list(states: nil)
        #expect(events.withLock { $0 } == [.approvalRequested])
        #expect(stored.count == 1, "the trail records a request the store rolled back")
    }
}
