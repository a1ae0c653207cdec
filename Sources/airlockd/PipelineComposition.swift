import Executor

/// Chooses the implementation of each pipeline step for the daemon. Until
/// the guardrails, approvals, credentials and audit modules are wired in
/// here, every step is the fail-closed default: the daemon serves
/// `tools/list` and refuses every call with a message naming what is not
/// configured, rather than running anything unchecked.
enum PipelineComposition {
    static func hooks(for config: DaemonConfig) -> PipelineHooks {
        .failClosed
    }
}
