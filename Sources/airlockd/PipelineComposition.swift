import AirlockServer
import Audit
import Executor
import Foundation
import Logging

/// Chooses the implementation of each pipeline step for the daemon: the
/// guardrail policy, the audit store and the credential issuer from the
/// config (see `DaemonModules`), each replaced by a fail-closed stand-in
/// that refuses every call, with the reason, when it can't come up; and the
/// approval flow (queue, admin socket, gate) when the config names approvers.
enum PipelineComposition {
    static func modules(for config: DaemonConfig, logger: Logger) async -> DaemonModules {
        await DaemonModules.compose(config: config, logger: logger)
    }

    /// nil when the config has no `approvers:` section: `review` decisions
    /// are then refused (nobody could approve them).
    static func approvals(for config: DaemonConfig, modules: DaemonModules) throws -> ApprovalFlow? {
        let defaultDatabase = (modules.stateDirectory as NSString).appendingPathComponent("approvals.sqlite")
        guard let settings = try ApprovalSettings.parse(config.approvers, configFile: config.file,
                                                        defaultDatabase: defaultDatabase) else { return nil }
        let masker = modules.audit?.masker
        return try ApprovalFlow(
            settings: settings,
            mask: { call, _ in
                guard let masker else { return call.arguments }
                return masker.mask(.object(call.arguments)).objectValue ?? [:]
            },
            audit: BlockingAuditAppend.sink(modules.audit))
    }
}
