import AirlockCore
import Foundation
@testable import Sandbox

/// A sandbox run started with `engine.run` in a task, observed from the
/// host while it runs: for the tests that need the sandbox's processes to
/// exist (their host identity, cancellation) and then to be gone.
struct SandboxInFlight: Sendable {
    let task: Task<RunResult, Error>
    let token: String
    /// The host's view of the sandbox's processes once they appeared.
    let hostProcesses: [HostProcesses.Entry]

    /// Starts `argv` and waits until a process whose command line contains
    /// `token` is visible in the host's /proc. The polling runs on a GCD
    /// thread: synchronous tests running in parallel can occupy every
    /// thread of the cooperative pool for seconds at a time.
    static func start(_ argv: [String], token: String, profile: SandboxProfile = Fixtures.profile()) async throws -> SandboxInFlight {
        let task = Task { try await Fixtures.engine.run(LaunchRequest(argv: argv), profile: profile) }
        let found = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: HostProcesses.waitFor(token, seconds: 60)) }
        }
        guard let found else {
            task.cancel()
            _ = try? await task.value
            throw InFlightError(message: "no host process with \(token) appeared within 60 s")
        }
        return SandboxInFlight(task: task, token: token, hostProcesses: found)
    }

    /// Cancels the run and returns what the engine reported.
    @discardableResult
    func cancel() async -> Result<RunResult, Error> {
        task.cancel()
        do { return .success(try await task.value) } catch { return .failure(error) }
    }
}

struct InFlightError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
