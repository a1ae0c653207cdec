import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// `yes` writes forever. The parent keeps only the cap, marks the stream
/// truncated, closes its end so the writer fails (SIGPIPE or EPIPE), and
/// returns on its own, long before the wall-clock limit. A writer that
/// shrugs off both must still be ended, and nothing of any flood may be
/// left running on the host (a unique token in argv marks its processes).
@Suite("Output flood", .timeLimit(.minutes(3)))
struct OutputFloodTests {
    @Test func floodIsTruncatedAndEndsTheRun() throws {
        let cap: UInt64 = 64 << 10
        let limits = ResourceLimits(wallSeconds: 30, outputBytes: cap)
        let profile = Fixtures.profile(name: "test-flood", limits: limits)
        let token = Token.make("flood")
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/usr/bin/yes", token]), profile: profile)

        #expect(result.stdout.truncated)
        #expect(UInt64(result.stdout.text.utf8.count) == cap)
        #expect(result.stdout.totalBytes > cap)
        #expect(result.limitsHit.contains { $0.kind == .outputBytes })
        // It ended because the pipe closed, not because time ran out.
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
        // yes ends itself: it is the sandbox's pid 1, for which the kernel
        // drops a default-action SIGPIPE, so its write fails with EPIPE and
        // it exits 1.
        #expect(result.exitCode == 1,
                "yes ended otherwise: exit \(String(describing: result.exitCode)) signal \(String(describing: result.signal))")
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map(\.pid))")
    }

    /// A writer that ignores SIGPIPE and catches every EPIPE, writing on
    /// regardless: closing the pipe does not end it, so the run must
    /// (here the wall-clock limit, kept short). It says on stderr, which
    /// stays open, that it saw EPIPE and went on, so the test knows the
    /// stubborn path really ran; and the host is seen to list it while it
    /// runs, so its absence afterwards means it is gone.
    @Test func aWriterThatIgnoresEPIPEIsEndedAndGone() async throws {
        let cap: UInt64 = 64 << 10
        let profile = Fixtures.profile(name: "test-flood-stubborn", limits: ResourceLimits(wallSeconds: 5, outputBytes: cap))
        let token = Token.make("stubborn")
        let writer = """
            import os, signal
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
            told = False
            while True:
                try:
                    os.write(1, b'airlock\\n' * 512)
                except BrokenPipeError:
                    if not told:
                        os.write(2, b'ignoring EPIPE\\n')
                        told = True
            """
        let running = try await SandboxInFlight.start(["/usr/bin/python3", "-c", writer, token], token: token, profile: profile)
        let result = try await running.task.value

        #expect(result.stdout.truncated)
        #expect(result.limitsHit.contains { $0.kind == .outputBytes })
        #expect(result.stderr.text == "ignoring EPIPE\n", "stderr: \(result.stderr.text.suffix(300))")
        #expect(result.signal == SIGKILL, "the writer ended otherwise: exit \(String(describing: result.exitCode)) signal \(String(describing: result.signal))")
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "the stubborn writer is still running on the host: \(survivors.map(\.pid))")
    }

    @Test func stderrFloodIsCappedToo() throws {
        let cap: UInt64 = 16 << 10
        let profile = Fixtures.profile(name: "test-flood-err", limits: ResourceLimits(wallSeconds: 30, outputBytes: cap))
        let token = Token.make("flood-err")
        let result = try Fixtures.sh("yes \(token) >&2", profile: profile)
        #expect(result.stderr.truncated)
        #expect(UInt64(result.stderr.text.utf8.count) == cap)
        #expect(result.limitsHit.contains { $0.kind == .outputBytes })
        #expect(!result.limitsHit.contains { $0.kind == .wallClock })
        let survivors = HostProcesses.survivors(token)
        #expect(survivors.isEmpty, "still running on the host: \(survivors.map(\.pid))")
    }
}
