import AirlockCore
import Approvals
import Foundation
import Synchronization

/// Collects the audit events a store hands to its sink.
final class AuditLog: Sendable {
    private let events = Mutex<[AuditEvent]>([])
    /// When set, the sink throws for this kind (an audit store that is down).
    let failing = Mutex<AuditEvent.Kind?>(nil)

    var sink: ApprovalStore.AuditSink {
        { event in
            if self.failing.withLock({ $0 }) == event.kind {
                throw AirlockError(.auditUnavailable, "audit store down")
            }
            self.events.withLock { $0.append(event) }
        }
    }

    var kinds: [AuditEvent.Kind] { events.withLock { $0.map(\.kind) } }
    var all: [AuditEvent] { events.withLock { $0 } }
}

/// The cast: an agent acting for pat, owned by olivia, and approvers who
/// each embody one rule of who may not approve.
enum Cast {
    static let agent = Actor(name: "ci-agent", roles: ["agent"], uid: 1000, gid: 1000, pid: 42, owner: "olivia")
    static let agentUID: UInt32 = 1000
    static let alice: UInt32 = 2001
    static let bob: UInt32 = 2002
    static let carol: UInt32 = 2003
    /// The agent's owner.
    static let olivia: UInt32 = 2004
    /// The principal the agent acts on behalf of.
    static let pat: UInt32 = 2005
    /// A person who shares the agent's principal name.
    static let ciAgentPerson: UInt32 = 2006
    /// Not in the on-call group.
    static let dave: UInt32 = 2007
    /// A second account of alice's.
    static let aliceSecondAccount: UInt32 = 2008

    static let approvers: [Approver] = [
        Approver(uid: agentUID, person: "robo-operator", groups: ["oncall", "admins"]),
        Approver(uid: alice, person: "alice", groups: ["oncall"]),
        Approver(uid: bob, person: "bob", groups: ["oncall"]),
        Approver(uid: carol, person: "carol", groups: ["oncall", "admins"]),
        Approver(uid: olivia, person: "olivia", groups: ["oncall", "admins"]),
        Approver(uid: pat, person: "pat", groups: ["oncall", "admins"]),
        Approver(uid: ciAgentPerson, person: "ci-agent", groups: ["oncall", "admins"]),
        Approver(uid: dave, person: "dave", groups: ["sre"]),
        Approver(uid: aliceSecondAccount, person: "alice", groups: ["oncall"]),
    ]

    static func call(_ arguments: [String: JSONValue] = ["env": "prod", "version": "1.4.2"],
                     actor: Actor = agent, onBehalfOf: String? = "pat") -> ToolCall {
        ToolCall(tool: "deploy", arguments: arguments, actor: actor,
                 claims: CallClaims(onBehalfOf: onBehalfOf, reason: "ship the hotfix"))
    }

    static func decision(threshold: Int = 1, reasonRequired: Bool = false, group: String = "oncall") -> Decision {
        Decision(effect: .review, ruleIDs: ["prod-deploy"], reasons: ["production deploys need review"],
                 facts: ["env": "prod"], policyRevision: "rev-1",
                 review: ReviewRequirement(group: group, threshold: threshold, reasonRequired: reasonRequired,
                                           ruleID: "prod-deploy", message: "Production deploys need an on-call approval"))
    }
}

/// A store on a fresh file in a fresh temporary directory.
struct StoreFixture {
    let directory: URL
    let path: String
    let audit = AuditLog()
    let config: ApprovalConfig
    let store: ApprovalStore

    init(approvers: [Approver] = Cast.approvers, expiry: Duration = ApprovalConfig.defaultExpiry,
         notifier: WebhookNotifier? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("approvals-\(UUID().uuidString)")
        path = directory.appendingPathComponent("approvals.sqlite").path
        config = try ApprovalConfig(approvers: approvers, expiry: expiry)
        store = try ApprovalStore(path: path, config: config, notifier: notifier, audit: audit.sink)
    }

    /// A second store on the same file: another process, as far as SQLite knows.
    func reopen(audit: AuditLog = AuditLog()) throws -> ApprovalStore {
        try ApprovalStore(path: path, config: config, audit: audit.sink)
    }

    func pending(_ call: ToolCall = Cast.call(), decision: Decision = Cast.decision()) async throws -> ApprovalRecord {
        try await store.createPending(call: call, decision: decision, maskedArguments: call.arguments)
    }
}

extension AirlockError.Code {
    /// The code of the AirlockError `body` throws, or nil when it throws none.
    static func thrown(by body: () async throws -> Void) async -> AirlockError.Code? {
        do {
            try await body()
            return nil
        } catch let error as AirlockError {
            return error.code
        } catch {
            return .internalError
        }
    }
}

/// A value tasks can share in a test (a bare `Mutex` local cannot be
/// captured by an escaping task closure).
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    func mutate(_ body: @Sendable (inout Value) -> Void) {
        mutex.withLock { body(&$0) }
    }
}
