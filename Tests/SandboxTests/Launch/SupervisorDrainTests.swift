import CHostSpawn
import CJail
import CSupervisor
import Foundation
import Glibc
import Testing

/// CSupervisor's loop once the child is gone: its pipes get a moment to
/// report EOF, no more. A write end that outlived the child (passed out of
/// the sandbox over a socket) must not keep the launch waiting, and what it
/// never sent must show as truncated output, not as a complete one.
@Suite("Supervisor drain", .timeLimit(.minutes(3)))
struct SupervisorDrainTests {
    /// Runs the loop over /bin/true's pidfd and a stdout pipe whose write
    /// end this test holds open (`leak`) or closes first.
    static func supervise(leakWriter leak: Bool) throws -> csup_run {
        var ends: [Int32] = [-1, -1]
        try #require(chostspawn_pipe_cloexec(&ends) == 0)
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        try #require(posix_spawn(&pid, "/bin/true", nil, nil, argv, nil) == 0)
        let pidfd = chostspawn_pidfd_open(pid)
        try #require(pidfd >= 0)
        defer { close(pidfd) }
        _ = write(ends[1], "partial", 7)
        if !leak { close(ends[1]) }
        defer { if leak { close(ends[1]) } }

        var spawned = cjail_spawned(pid: pid, pidfd: pidfd, stdin_fd: -1, stdout_fd: ends[0], stderr_fd: -1, status_fd: -1,
                                    sync_fd: -1, mount_ns_fd: -1, stack: nil)
        var run = csup_run()
        try #require(csup_begin(&run, &spawned, -1, -1, nil, 0, 20_000_000_000, 0, 1 << 20) == 0)
        while csup_step(&run) != Int32(CSUP_FINISHED.rawValue) {}
        return run
    }

    @Test func aLeakedWriterEndsAsTruncatedOutput() throws {
        var run = try Self.supervise(leakWriter: true)
        defer { csup_release(&run) }
        #expect(run.exited == 1)
        #expect(run.out.length == 7)
        #expect(run.out.truncated == 1, "output still held open by a writer outside the sandbox was reported complete")
    }

    /// Control: with every writer gone the same output is complete.
    @Test func closedPipesEndAsCompleteOutput() throws {
        var run = try Self.supervise(leakWriter: false)
        defer { csup_release(&run) }
        #expect(run.exited == 1)
        #expect(run.out.length == 7)
        #expect(run.out.truncated == 0)
    }
}
