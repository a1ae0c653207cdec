import AirlockCore
import Sandbox

/// Runs one launch request confined by a named profile. The sandbox engine
/// is the production implementation; the executor only needs this much.
///
/// Cancellation is Swift task cancellation: when the calling task is
/// cancelled the runner kills the child (its whole sandbox) and returns a
/// result with `termination == .cancelled` or throws `CancellationError`.
public protocol ToolRunner: Sendable {
    func run(_ request: LaunchRequest, profile: String) async throws -> RunResult
}

/// Where the executor learns a profile's limits, so that a tool's overrides
/// can be applied as "the smaller of the two" before the launch.
public protocol ProfileLimitsSource: Sendable {
    /// The resolved limits of `name`; throws `unknownProfile` if there is no such profile.
    func limits(ofProfile name: String) throws -> ResourceLimits
}
