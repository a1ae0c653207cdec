import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Logging
import Sandbox
import Synchronization

/// An executor whose policy sends every call to review and whose approval
/// gate is a `StoreApprovalGate` on the fixture's store; tools really run
/// (`ProcessToolRunner`), so a test sees exactly which arguments ran.
struct GateHarness {
    let fixture: AdminFixture
    let gate: StoreApprovalGate
    let executor: Executor
    let runner: ProcessToolRunner
    let progress = MessageLog()
    /// The pipeline's audit trail (the store's own events go to the fixture's sink).
    let audit = MemoryAudit()
    /// Review until a test switches it to allow.
    let policy = SwitchablePolicy(AdminFixture.reviewDecision())

    /// `catalogYAML` is the tool catalog this daemon runs with (a test may
    /// restart with another).
    init(_ fixture: AdminFixture, wait: Duration, catalogYAML: String = testCatalogYAML,
         profiles: [String: ResourceLimits] = ProcessToolRunner.defaultProfiles,
         mask: @escaping ApprovalArgumentMasker = ApprovalMasking.verbatim) throws {
        self.fixture = fixture
        runner = ProcessToolRunner(profiles: profiles)
        gate = StoreApprovalGate(store: fixture.store, wait: wait, progressInterval: .milliseconds(200),
                                 mask: mask, logger: Logger(label: "test.gate"))
        let hooks = PipelineHooks(policy: policy, approvals: gate,
                                  credentials: TestCredentials(), audit: audit)
        let config = try ConfigLoader.parse(yaml: catalogYAML, file: fixture.directory.appendingPathComponent("airlock.yaml").path)
        executor = try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks,
                                logger: Logger(label: "test.executor"))
    }

    static func argvCall(_ value: String, by actor: Actor = AdminFixture.agent) -> ToolCall {
        ToolCall(tool: "argv", arguments: ["value": .string(value)], actor: actor)
    }

    func execute(_ call: ToolCall) async -> CallOutcome {
        await executor.execute(call, progress: progress.reporter)
    }

    /// The one pending record, once the gate has queued it.
    func queuedRecord() async throws -> ApprovalRecord {
        let queued = await eventuallyAsync { ((try? await fixture.store.list()) ?? []).count == 1 }
        guard queued, let record = try await fixture.store.list().first else {
            throw AirlockError(.notFound, "the gate queued no pending record")
        }
        return record
    }
}

/// Progress messages a call reported, in order.
final class MessageLog: Sendable {
    private let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }
    var reporter: ProgressReporter { ProgressReporter { message in self.messages.withLock { $0.append(message) } } }
}

/// The code of the `AirlockError` that `body` throws; nil when it throws none.
func airlockCode(_ body: () async throws -> Void) async -> AirlockError.Code? {
    do {
        try await body()
        return nil
    } catch let error as AirlockError {
        return error.code
    } catch {
        return .internalError
    }
}

/// A policy whose decision a test can change between calls (an admin
/// editing the policy while an approval waits).
final class SwitchablePolicy: PolicyDecider {
    private let decision: Mutex<Decision>
    init(_ decision: Decision) { self.decision = Mutex(decision) }
    func set(_ decision: Decision) { self.decision.withLock { $0 = decision } }
    func decide(_ call: ToolCall, tool: ToolDefinition) async throws -> Decision { decision.withLock { $0 } }
}
