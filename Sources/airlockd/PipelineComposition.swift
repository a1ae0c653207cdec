import Executor
import Logging

/// Chooses the implementation of each pipeline step for the daemon: the
/// guardrail policy, the audit store and the credential issuer from the
/// config (see `DaemonModules`), each replaced by a fail-closed stand-in
/// that refuses every call, with the reason, when it can't come up.
enum PipelineComposition {
    static func modules(for config: DaemonConfig, logger: Logger) async -> DaemonModules {
        await DaemonModules.compose(config: config, logger: logger)
    }
}
