import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// What the launching process holds must not leak into the sandbox: open
/// file descriptors (a daemon holds sockets, keys, the audit database) and
/// environment variables (tokens, cloud credentials).
@Suite("Leaked descriptors and environment", .timeLimit(.minutes(2)))
struct InheritanceTests {
    /// A host fd opened *without* O_CLOEXEC, as careless code in the daemon
    /// might: exec alone would pass it on; the sandbox must see only 0, 1, 2.
    ///
    /// The fd is opened before the engine exists. The shared
    /// `Fixtures.engine` keeps warm children forked earlier, which could
    /// never hold an fd opened after them, so a launch they serve proves
    /// nothing; here every child, cold or warm, is forked while it is open.
    @Test func inheritableHostDescriptorIsNotLeakedIntoAColdLaunch() async throws {
        let held = try HeldDescriptor()
        defer { held.close() }
        let engine = SandboxEngine(options: SandboxEngine.Options(prewarm: false))
        defer { engine.killAll() }

        let outcome = try await run(engine, held)
        #expect(engine.warmPool.served == 0, "a one-shot engine served a warm child")
        held.expectNotInside(outcome)
    }

    /// The same through a warm child: the pool forks it after the first
    /// launch, while the fd is open, and it must close the fd before the
    /// command runs just as a cold child does.
    @Test func inheritableHostDescriptorIsNotLeakedIntoAWarmLaunch() async throws {
        let held = try HeldDescriptor()
        defer { held.close() }
        let engine = WarmPoolTesting.engine()
        defer { engine.killAll() }

        let cold = try await run(engine, held)  // makes the pool want children for this request
        held.expectNotInside(cold)
        let waits = try await WarmPoolTesting.wait { !engine.warmPool.waitingPIDs.isEmpty }
        try #require(waits, "the warm pool prepared no child within 60 s: \(engine.warmPool.status)")

        let servedBefore = engine.warmPool.served
        let warm = try await run(engine, held)
        #expect(engine.warmPool.served == servedBefore + 1, "the second launch did not use the warm child")
        held.expectNotInside(warm)
    }

    private func run(_ engine: SandboxEngine, _ held: HeldDescriptor) async throws -> AttackOutcome {
        let request = AttackTool.request(["fds", "read", "/proc/self/fd/\(held.fd)"])
        return AttackOutcome(result: try await engine.run(request, profile: WarmLaunchTests.warmProfile))
    }

    /// Nothing of the launching process's environment is visible; the
    /// child's environment is exactly the profile's. The host's own
    /// variables serve as the secrets: setting one here would be a data race
    /// (setenv may move `environ` while other test threads spawn processes).
    @Test func hostEnvironmentIsNotLeaked() throws {
        let profileNames: Set<String> = ["HOME", "LANG", "PATH"]
        let hostOnly = ProcessInfo.processInfo.environment.keys.filter { !profileNames.contains($0) }
        try #require(!hostOnly.isEmpty, "the test process has no environment of its own to leak")

        let outcome = try AttackTool.run(["read", "/proc/self/environ"])
        let environ = try #require(outcome.line("read")?.fields["content"], "stdout: \(outcome.result.stdout.text)")
        for name in hostOnly {
            // Entries are NUL-separated, printed as '.'.
            #expect(!environ.hasPrefix("\(name)=") && !environ.contains(".\(name)="), "\(name) leaked into the sandbox")
        }
        // NULs print as '.': exactly the fixture profile's three variables.
        #expect(environ == "HOME=/workspace.LANG=C.UTF-8.PATH=/usr/bin:/bin.", "environment inside: \(environ)")
    }
}

/// A host file held open without O_CLOEXEC for one test.
private struct HeldDescriptor {
    let host: HostTemp
    let fd: Int32

    init() throws {
        host = try HostTemp("fd")
        let path = try host.write("held-open", "host-only\n")
        fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        try #require(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0, "the test fd must be inheritable to mean anything")
    }

    func close() {
        _ = Glibc.close(fd)
        host.remove()
    }

    /// Only 0, 1 and 2 are open inside, and the fd's number reaches nothing.
    func expectNotInside(_ outcome: AttackOutcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(outcome.line("fds")?.fields["list"] == "0,1,2",
                "fds inside: \(outcome.line("fds")?.raw ?? outcome.result.stdout.text)", sourceLocation: sourceLocation)
        #expect(outcome.line("read")?.errno == "ENOENT", "fd \(fd) inside: \(outcome.outcome("read"))",
                sourceLocation: sourceLocation)
    }
}
