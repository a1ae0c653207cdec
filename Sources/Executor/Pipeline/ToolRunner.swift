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

/// Where the executor learns about a resolved profile: its limits, so that
/// a tool's overrides can be applied as "the smaller of the two" before the
/// launch, and its digest, which binds an approval to what the profile was.
public protocol ProfileSource: Sendable {
    /// The resolved limits of `name`; throws `unknownProfile` if there is no such profile.
    func limits(ofProfile name: String) throws -> ResourceLimits
    /// A digest of everything the resolved profile `name` enforces.
    func digest(ofProfile name: String) throws -> String
}
