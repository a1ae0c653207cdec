import AirlockServer
import Audit
import Executor
import Foundation
import Logging

/// Chooses the implementation of each pipeline step for the daemon: the
/// guardrail policy, the audit store and the credential issuer from the
/// config (see `DaemonModules`), each replaced by a fail-closed stand-in
/// that refuses every call, with the reason, when it can't come up; and the
/// approval flow (queue, admin socket, gate, webhooks) when the config names
/// approvers (see `ApprovalFlow.configured`).
enum PipelineComposition {
    static func modules(for config: DaemonConfig, logger: Logger) async -> DaemonModules {
        await DaemonModules.compose(config: config, logger: logger)
    }

    /// nil when the config has no `approvers:` section: `review` decisions
    /// are then refused (nobody could approve them).
    static func approvals(for config: DaemonConfig, modules: DaemonModules, logger: Logger) throws -> ApprovalFlow? {
        try ApprovalFlow.configured(by: config, modules: modules, logger: logger)
    }
}
