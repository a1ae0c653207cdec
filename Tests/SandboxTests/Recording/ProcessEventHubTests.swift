import CJail
import Glibc
import Testing
@testable import Sandbox

/// The sorting of the host's process notices to the sandboxes they concern,
/// fed made-up notices (the kernel's own are covered by ChildLimitTests).
/// Pids here are above any real pid_max, so nothing real can interfere.
@Suite("Process notices sorted to their sandboxes")
struct ProcessEventHubTests {
    static func fork(_ child: Int32, of parent: Int32, at time: UInt64) -> cjail_proc_event {
        cjail_proc_event(what: Int32(CJAIL_PROC_FORK), pid: child, tgid: child, parent_tgid: parent, exit_code: 0, timestamp_ns: time)
    }

    static func exit(_ pid: Int32, signal: Int32 = 0, at time: UInt64) -> cjail_proc_event {
        cjail_proc_event(what: Int32(CJAIL_PROC_EXIT), pid: pid, tgid: pid, parent_tgid: 0, exit_code: signal, timestamp_ns: time)
    }

    /// The exit of an earlier process with the root's pid, read only after
    /// the new root is followed (the reader was behind), is not the new
    /// root's: it must neither end the tree nor cut off its children.
    @Test func aLateNoticeOfAPidsEarlierOwnerIsIgnored() throws {
        let hub = ProcessEventHub(listens: false)
        let tree = try #require(hub.follow(rootPID: 5_000_001))
        hub.receive([Self.exit(5_000_001, signal: SIGKILL, at: tree.since - 1)])
        #expect(!tree.rootExited)

        let later = tree.since + 1
        hub.receive([Self.fork(5_000_002, of: 5_000_001, at: later), Self.exit(5_000_002, signal: SIGXFSZ, at: later + 1),
                     Self.exit(5_000_001, at: later + 2)])
        #expect(tree.rootExited)
        #expect(hub.outcome(of: tree).killedBy == [SIGXFSZ: 1])
    }

    /// Grandchildren count for their tree; another tree's notices do not;
    /// threads (pid ≠ tgid) are not processes.
    @Test func eachTreeCountsOnlyItsOwnProcesses() throws {
        let hub = ProcessEventHub(listens: false)
        let first = try #require(hub.follow(rootPID: 5_000_010))
        let second = try #require(hub.follow(rootPID: 5_000_020))
        let t = max(first.since, second.since) + 1
        var thread = Self.exit(5_000_013, signal: SIGXCPU, at: t + 5)
        thread.tgid = 5_000_011
        hub.receive([
            Self.fork(5_000_011, of: 5_000_010, at: t), Self.fork(5_000_012, of: 5_000_011, at: t + 1),
            Self.fork(5_000_021, of: 5_000_020, at: t + 2),
            Self.exit(5_000_012, signal: SIGXCPU, at: t + 3), Self.exit(5_000_021, at: t + 4), thread,
            Self.exit(5_000_011, signal: SIGXFSZ, at: t + 6),
        ])
        #expect(hub.outcome(of: first).killedBy == [SIGXCPU: 1, SIGXFSZ: 1])
        #expect(hub.outcome(of: second).killedBy.isEmpty)
    }

    /// An overflow marks every tree followed then (any may have missed an
    /// exit), and none already forgotten or followed later.
    @Test func lostNoticesAreSaidToEveryTreeFollowedThen() throws {
        let hub = ProcessEventHub(listens: false)
        let forgotten = try #require(hub.follow(rootPID: 5_000_029))
        hub.forget(forgotten)
        let tree = try #require(hub.follow(rootPID: 5_000_030))
        hub.receive([], lost: true)
        #expect(hub.outcome(of: tree).lostEvents)
        #expect(!hub.outcome(of: forgotten).lostEvents)
        let next = try #require(hub.follow(rootPID: 5_000_031))
        #expect(!hub.outcome(of: next).lostEvents)
    }

    /// A root pid still held by an unfinished member of another tree (the
    /// pid wrapped around before that member's exit was read): the other
    /// tree may now miss that exit, and says so.
    @Test func aRootPidTakenFromAnotherTreeMarksThatTreeIncomplete() throws {
        let hub = ProcessEventHub(listens: false)
        let first = try #require(hub.follow(rootPID: 5_000_040))
        hub.receive([Self.fork(5_000_041, of: 5_000_040, at: first.since + 1)])
        let second = try #require(hub.follow(rootPID: 5_000_041))
        #expect(hub.outcome(of: first).lostEvents)
        #expect(!hub.outcome(of: second).lostEvents)
    }

    /// Without the root's exit notice by the deadline, the count may be
    /// short: the tree says so rather than report it as complete.
    @Test func aRootExitNotSeenInTimeMarksTheTreeIncomplete() throws {
        let hub = ProcessEventHub(listens: false)
        let tree = try #require(hub.follow(rootPID: 5_000_050))
        hub.awaitRootExit(tree, timeoutMs: 10)
        #expect(hub.outcome(of: tree).lostEvents)
        let done = try #require(hub.follow(rootPID: 5_000_051))
        hub.receive([Self.exit(5_000_051, at: done.since + 1)])
        hub.awaitRootExit(done, timeoutMs: 10)
        #expect(!hub.outcome(of: done).lostEvents)
    }
}
