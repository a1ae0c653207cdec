import AirlockCore
import Audit

/// The audit store as the pipeline's `AuditSink`: `append` returns once the
/// event is durable (masked, chained); if the store can't be written the
/// error propagates and the executor refuses the call.
public struct AuditStoreSink: AuditSink {
    public let store: AuditStore

    public init(store: AuditStore) {
        self.store = store
    }

    public func append(_ event: AuditEvent) async throws {
        _ = try await store.append(event)
    }
}
