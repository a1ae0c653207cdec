import AirlockCore
import Audit
import Dispatch

/// The approval store reports each state change synchronously, inside its
/// SQLite transaction (so a change that can't be audited is rolled back).
/// This bridges that to the audit store's async append: the caller's thread
/// (GRDB's writer queue, never a cooperative-pool thread) waits until the
/// event is durable.
public enum BlockingAuditAppend {
    public static func sink(_ store: AuditStore?) -> @Sendable (AuditEvent) throws -> Void {
        guard let store else {
            return { _ in throw AirlockError(.auditUnavailable, "the audit store is unavailable; approval changes can't be recorded") }
        }
        return { event in
            let done = DispatchSemaphore(value: 0)
            let outcome = OutcomeBox()
            Task.detached {
                do { _ = try await store.append(event) } catch { outcome.error = error }
                done.signal()
            }
            done.wait()
            if let error = outcome.error { throw error }
        }
    }

    private final class OutcomeBox: @unchecked Sendable {
        var error: Error?
    }
}
