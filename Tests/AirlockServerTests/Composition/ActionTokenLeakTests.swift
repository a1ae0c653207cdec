import AirlockCore
import AirlockServer
import Executor
import Foundation
import Sandbox
import Synchronization
import Testing

/// The run's action token verifies against the JWKS until it expires, so it
/// is a credential: a tool that prints its environment (`AIRLOCK_TOKEN`) and
/// its token file must hand the agent neither, and the audit trail must not
/// keep it.
@Suite("composed daemon: the action token reaches neither the agent nor the audit trail", .serialized)
struct ActionTokenLeakTests {
    @Test func aToolThatPrintsItsTokenReturnsItMasked() async throws {
        var recorders: (TokenRecorder, TeeAudit)?
        let daemon = try await ComposedDaemon.start { hooks in
            let wrapped = (TokenRecorder(hooks.credentials), TeeAudit(hooks.audit))
            (hooks.credentials, hooks.audit) = wrapped
            recorders = wrapped
        }
        let (issued, events) = try #require(recorders)
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let reply = try await blocking { try AgentClient(socketPath: path).call("print_credentials", [:]) }
        #expect(reply["isError"] != true, "\(reply)")
        let token = try #require(issued.tokens.first)
        #expect(token.hasPrefix("eyJ") && token.count > 64)

        // The agent: the tool printed it three times (env, file on stdout,
        // file on stderr); every one came back masked.
        #expect(!reply.canonicalText.contains(token))
        #expect(reply.toolText.contains("AIRLOCK_TOKEN=[REDACTED:secret:airlock_token]"), "\(reply.toolText)")
        #expect(reply.toolText.contains("file=[REDACTED:secret:airlock_token]"), "\(reply.toolText)")

        // The audit trail: as the executor hands it over (before the audit
        // store's own masker), as stored, and the file's bytes.
        let run = try #require(events.all.first { $0.kind == .runFinished })
        #expect(JSONValue.object(run.fields).canonicalText.contains("REDACTED:secret:airlock_token"))
        for event in events.all {
            let text = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
            #expect(!text.contains(token), "\(event.kind.rawValue) holds the token")
        }
        #expect(!(try daemon.allRecords().map(\.eventText).joined().contains(token)))
        for file in [daemon.auditPath, daemon.auditPath + "-wal"] where FileManager.default.fileExists(atPath: file) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)).range(of: Data(token.utf8)) == nil, "\(file)")
        }
    }
}

/// Passes to the daemon's credential issuer and remembers each token it minted.
final class TokenRecorder: CredentialIssuer {
    private let wrapped: any CredentialIssuer
    private let minted = Mutex<[String]>([])
    var tokens: [String] { minted.withLock { $0 } }

    init(_ wrapped: any CredentialIssuer) { self.wrapped = wrapped }

    func issue(for call: ToolCall, tool: ToolDefinition, approvalID: String?, limits: ResourceLimits) async throws
        -> RunCredentials {
        let issued = try await wrapped.issue(for: call, tool: tool, approvalID: approvalID, limits: limits)
        if let token = issued.environment["AIRLOCK_TOKEN"] { minted.withLock { $0.append(token) } }
        return issued
    }

    func retire(_ credentials: RunCredentials, call: ToolCall) async {
        await wrapped.retire(credentials, call: call)
    }
}

/// Keeps each event the executor appends, then passes it to the daemon's audit store.
final class TeeAudit: AuditSink {
    private let wrapped: any AuditSink
    private let events = Mutex<[AuditEvent]>([])
    var all: [AuditEvent] { events.withLock { $0 } }

    init(_ wrapped: any AuditSink) { self.wrapped = wrapped }

    func append(_ event: AuditEvent) async throws {
        events.withLock { $0.append(event) }
        try await wrapped.append(event)
    }
}
