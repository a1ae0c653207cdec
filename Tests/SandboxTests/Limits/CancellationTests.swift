import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Cancelling the task that awaits `engine.run` (an agent disconnects, a
/// call is withdrawn) kills the sandbox's processes, all of them; so does
/// `killAll` at daemon shutdown.
@Suite("Cancellation and shutdown", .timeLimit(.minutes(2)))
struct CancellationTests {
    @Test func cancellingTheTaskKillsEveryProcess() async throws {
        let token = Token.sleepSeconds()
        let inFlight = try await SandboxInFlight.start(["/bin/sh", "-c", "sleep \(token) & sleep \(token); wait"], token: token)
        #expect(inFlight.hostProcesses.count >= 1)
        let result = try await inFlight.cancel().get()
        #expect(result.termination == .cancelled)
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running after cancel: \(survivors.map(\.pid))")
    }

    /// Uses an engine of its own: killAll must not reach sandboxes of other
    /// tests running in parallel on the shared one.
    @Test func killAllEndsEverySandboxOfTheEngine() throws {
        let engine = SandboxEngine()
        let token = Token.sleepSeconds()
        let group = DispatchGroup()
        let box = ResultBox()
        for _ in 0..<2 {
            // Threads of their own: the shared pools may be busy with other tests.
            group.enter()
            Thread.detachNewThread {
                box.append(Result { try engine.runBlocking(LaunchRequest(argv: ["/bin/sh", "-c", "sleep \(token) & sleep \(token)"]),
                                                           profile: Fixtures.profile()) })
                group.leave()
            }
        }
        // Wait for both sandboxes (two sleeps each) to be up: killAll ends
        // the sandboxes running when it is called, not later ones. (The
        // profile's wall-clock limit bounds the runs if this never happens.)
        let deadline = Date().addingTimeInterval(60)
        while HostProcesses.matching(token).filter({ $0.commandLine.first == "sleep" }).count < 4 && Date() < deadline { usleep(20_000) }
        try #require(HostProcesses.matching(token).filter { $0.commandLine.first == "sleep" }.count == 4, "the sandboxes did not start")
        engine.killAll()
        #expect(group.wait(timeout: .now() + 60) == .success, "runs did not return after killAll")
        #expect(box.results.count == 2)
        for result in box.results {
            #expect((try? result.get())?.signal == SIGKILL)
        }
        #expect(HostProcesses.survivors(token).isEmpty)
    }
}

/// Once the engine is shutting down (killAll), a launch is refused before
/// anything of it runs: nothing would be left to kill it.
@Suite("Launches after shutdown", .timeLimit(.minutes(3)))
struct LaunchAfterShutdownTests {
    @Test func aLaunchAfterKillAllIsRefusedAndNothingRuns() throws {
        let engine = SandboxEngine(options: .init(prewarm: false))
        engine.killAll()
        let token = Token.sleepSeconds()
        #expect {
            try engine.runBlocking(LaunchRequest(argv: ["/bin/sleep", "\(token)"]), profile: Fixtures.profile())
        } throws: { error in
            (error as? AirlockError)?.message.contains("shutting down") == true
        }
        #expect(HostProcesses.matching(token).isEmpty, "a sandbox ran after killAll")
    }
}

/// Results collected from several threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<RunResult, Error>] = []
    func append(_ result: Result<RunResult, Error>) { lock.withLock { stored.append(result) } }
    var results: [Result<RunResult, Error>] { lock.withLock { stored } }
}
