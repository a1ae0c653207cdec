import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// What the launching process holds must not leak into the sandbox: open
/// file descriptors (a daemon holds sockets, keys, the audit database) and
/// environment variables (tokens, cloud credentials).
@Suite("Leaked descriptors and environment", .timeLimit(.minutes(1)))
struct InheritanceTests {
    /// A host fd opened *without* O_CLOEXEC, as careless code in the daemon
    /// might: exec alone would pass it on; the sandbox must see only 0, 1, 2.
    @Test func inheritableHostDescriptorIsNotLeaked() throws {
        let host = try HostTemp("fd")
        defer { host.remove() }
        let path = try host.write("held-open", "host-only\n")
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0, "the test fd must be inheritable to mean anything")

        let outcome = try AttackTool.run(["fds", "read", "/proc/self/fd/\(fd)"])
        #expect(outcome.line("fds")?.fields["list"] == "0,1,2", "fds inside: \(outcome.line("fds")?.raw ?? outcome.result.stdout.text)")
        #expect(outcome.line("read")?.ok == false, "fd \(fd) readable inside: \(outcome.outcome("read"))")
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
