import AirlockCore
import Approvals

/// The request/response methods of the admin socket, transport-free: each
/// takes the peer's uid (from SO_PEERCRED, never from the message) and the
/// params, and returns the `result` or throws. `approvals/watch` is not
/// here because it outlives its request (see `AdminWatch`).
struct AdminMethods: Sendable {
    static let names = ["approvals/list", "approvals/show", "approvals/approve", "approvals/deny", "approvals/watch"]

    let store: ApprovalStore

    /// nil when `method` is not one of these (the caller answers -32601).
    func handle(_ method: String, params: JSONValue?, peerUID: UInt32) async throws -> JSONValue? {
        switch method {
        case "approvals/list":
            let records = try await store.list(states: try Self.states(params), limit: try Self.limit(params))
            return .object(["approvals": .array(records.map(\.displayJSON))])
        case "approvals/show":
            return .object(["approval": try await store.record(id: try Self.id(params)).displayJSON])
        case "approvals/approve":
            let record = try await store.approve(id: try Self.id(params), approverUID: peerUID, reason: try Self.reason(params))
            return .object(["approval": record.displayJSON])
        case "approvals/deny":
            let record = try await store.deny(id: try Self.id(params), approverUID: peerUID, reason: try Self.reason(params))
            return .object(["approval": record.displayJSON])
        default:
            return nil
        }
    }

    // MARK: params

    static func id(_ params: JSONValue?) throws -> String {
        guard let id = params?["id"]?.stringValue, !id.isEmpty else {
            throw AirlockError(.invalidArguments, "params.id must be an approval id such as apr-0123456789abcdef0123")
        }
        return id
    }

    static func reason(_ params: JSONValue?) throws -> String? {
        switch params?["reason"] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw AirlockError(.invalidArguments, "params.reason must be a string, got \(other.typeName)")
        }
    }

    /// `states` (names like "PENDING"), or `all: true` for every state;
    /// PENDING only when neither is given, which is what an approver wants.
    static func states(_ params: JSONValue?) throws -> Set<ApprovalState>? {
        if params?["all"]?.boolValue == true { return nil }
        guard let given = params?["states"], !given.isNull else { return [.pending] }
        guard let names = given.arrayValue else {
            throw AirlockError(.invalidArguments, "params.states must be a list of states")
        }
        var states: Set<ApprovalState> = []
        for name in names {
            guard let text = name.stringValue, let state = ApprovalState(rawValue: text.uppercased()) else {
                let known = ApprovalState.allCases.map(\.rawValue).joined(separator: ", ")
                throw AirlockError(.invalidArguments, "unknown state \(name.canonicalText); states are \(known)")
            }
            states.insert(state)
        }
        return states
    }

    static func limit(_ params: JSONValue?) throws -> Int {
        guard let given = params?["limit"], !given.isNull else { return 500 }
        guard let limit = given.intValue, limit > 0, limit <= 10_000 else {
            throw AirlockError(.invalidArguments, "params.limit must be an integer from 1 to 10000")
        }
        return Int(limit)
    }
}
