import AirlockCore
import Executor
import Logging
import Sandbox

/// Connects the executor to the sandbox engine: runs launch requests and
/// reports profile limits from the profiles directory.
///
/// The engine's launch API is not in this build yet, so the binding
/// refuses to start the daemon rather than run anything unconfined.
struct SandboxBinding: ToolRunner, ProfileLimitsSource {
    init(config: DaemonConfig, logger: Logger) throws {
        throw AirlockError(.unsupportedProtection, "this airlockd was built without the sandbox engine's launch API; "
            + "it will not run tools unconfined")
    }

    func run(_ request: LaunchRequest, profile: String) async throws -> RunResult {
        throw AirlockError(.unsupportedProtection, "the sandbox engine is not available")
    }

    func limits(ofProfile name: String) throws -> ResourceLimits {
        throw AirlockError(.unknownProfile, "the sandbox engine is not available to load profile '\(name)'")
    }
}
