import AirlockCore
import Audit
import Foundation

/// A daemon that died mid-call (killed, crashed, the host rebooted) left
/// calls in its trail with a beginning and no end. At the next start each
/// gets its outcome record, so every call in the trail ends: a refusal when
/// nothing ran yet, a `run.finished` saying the outcome is unknown when the
/// sandbox had started (it died with the daemon: PDEATHSIG and the pid
/// namespace).
///
/// The scan starts after the last `daemon.started`, which the daemon
/// appends once this is done: each start looks only at the previous run's
/// part of the trail.
public enum InterruptedCalls {
    /// The kinds a call's story is told in, and the daemon starts between them.
    static let tracked: [AuditEvent.Kind] = [
        .callReceived, .policyDecided, .credentialIssued, .runStarted, .runFinished, .callRefused,
        .approvalRequested,
    ]

    /// Appends the outcome of every call the trail at `path` shows as in
    /// flight, through `store`; returns the ids closed, oldest first.
    public static func close(trailAt path: String, store: AuditStore, now: Date = Date()) async throws -> [String] {
        let reader = try AuditReader(path: path)
        let lastStart = try reader.records(AuditFilter(kinds: [.daemonStarted], limit: 1, newestFirst: true)).first?.seq
        var latest: [String: AuditRecord] = [:]
        var order: [String] = []
        var reviewed = Set<String>()
        try reader.forEachRecord(AuditFilter(kinds: tracked, afterSeq: lastStart)) { record in
            guard let id = record.callID else { return }
            if latest[id] == nil { order.append(id) }
            latest[id] = record
            if isReviewed(record) { reviewed.insert(id) }
        }
        var closed: [String] = []
        for id in order where !reviewed.contains(id) {
            guard let last = latest[id], let event = outcome(after: last, now: now) else { continue }
            _ = try await store.append(event)
            closed.append(id)
        }
        return closed
    }

    /// A call that went through review belongs to the approval queue,
    /// whose own recovery closes it (a pending record stays approvable, a
    /// RUNNING one ends FAILED with its run.finished): a second outcome
    /// here would contradict it.
    static func isReviewed(_ record: AuditRecord) -> Bool {
        record.kind == .approvalRequested || record.fields["approval_id"] != nil
            || record.fields["decision"]?["effect"]?.stringValue == "review"
    }

    /// The record that ends a call whose last record is `last`; nil when
    /// the call already ended (or waits for an approval, which the approval
    /// queue's own recovery answers).
    static func outcome(after last: AuditRecord, now: Date) -> AuditEvent? {
        let reason = "the daemon stopped (killed or crashed) while this call was in flight"
        switch last.kind {
        case .runStarted:
            return AuditEvent(time: now, kind: .runFinished, callID: last.callID, actor: last.actor, tool: last.tool,
                              fields: ["termination": "interrupted", "reason": .string(reason + "; the sandbox died with it and its outcome is unknown")])
        case .callReceived, .policyDecided, .credentialIssued:
            return AuditEvent(time: now, kind: .callRefused, callID: last.callID, actor: last.actor, tool: last.tool,
                              fields: ["code": "interrupted", "message": .string(reason + "; nothing ran")])
        default:
            return nil
        }
    }
}
