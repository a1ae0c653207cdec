import AirlockCore
import Approvals
import NIOCore

/// `approvals/watch`: answers with the records pending right now, then sends
/// one `approvals/changed` notification per committed change (new pending
/// records, reviews, expiry, cancellation, run stages) until the task is
/// cancelled, which happens when the client disconnects.
///
/// The subscription is taken before the snapshot is read, so a record
/// created in between shows up at least once (in the snapshot, the stream,
/// or both) and never not at all.
enum AdminWatch {
    static let notificationMethod = "approvals/changed"

    static func run(id: JSONValue, store: ApprovalStore, channel: any Channel) async {
        let changes = store.changes()
        do {
            let pending = try await store.list(states: [.pending])
            write(JSONRPCFrame.result(id: id, .object([
                "watching": true, "pending": .array(pending.map(\.displayJSON)),
            ])), to: channel)
        } catch {
            write(JSONRPCFrame.error(.mapping(error, id: id)), to: channel)
            return
        }
        for await change in changes {
            write(JSONRPCFrame.notification(method: notificationMethod, params: params(change)), to: channel)
        }
    }

    /// `event` is the audit kind of the change ("approval.requested" for a
    /// new pending record), or "run.state" for RUNNING / DONE / FAILED moves
    /// that have no approval audit kind of their own.
    static func params(_ change: ApprovalChange) -> JSONValue {
        .object([
            "event": .string(change.kind?.rawValue ?? "run.state"),
            "new_pending": .bool(change.isNewPending),
            "approval": change.record.displayJSON,
        ])
    }

    private static func write(_ frame: String, to channel: any Channel) {
        channel.writeAndFlush(channel.allocator.buffer(string: frame), promise: nil)
    }
}
