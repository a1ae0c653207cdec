import AirlockCore
import Approvals
import Foundation
import HostCommandSupport
import Testing

@Suite("Restart recovery")
struct RestartRecoveryTests {
    @Test("close and reopen: nothing lost, RUNNING ends FAILED, APPROVED runs once")
    func reopenRecovers() async throws {
        let fixture = try StoreFixture()
        let pending = try await fixture.pending(Cast.call(["step": "pending"]))
        let approved = try await fixture.pending(Cast.call(["step": "approved"]))
        _ = try await fixture.store.approve(id: approved.id, approverUID: Cast.alice)
        let running = try await fixture.pending(Cast.call(["step": "running"]))
        _ = try await fixture.store.approve(id: running.id, approverUID: Cast.alice)
        _ = try await fixture.store.claimForRun(id: running.id)
        try fixture.store.close()

        let audit = AuditLog()
        let reopened = try fixture.reopen(audit: audit)
        try await Self.checkRecovery(of: reopened, audit: audit, pending: pending.id, approved: approved.id,
                                     running: running.id)
    }

    /// `airlock-bench`, which hosts the hidden helper subcommands.
    static func benchBinary() throws -> URL {
        let helper = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("airlock-bench")
        try #require(FileManager.default.isExecutableFile(atPath: helper.path),
                     "airlock-bench must be built next to the test binary (swift build)")
        return helper
    }

    @Test("kill -9 with records PENDING, APPROVED and RUNNING: nothing lost, nothing run twice")
    func sigkillRecovers() async throws {
        let fixture = try StoreFixture()
        let helper = try HostCommand.start(
            try Self.benchBinary().path,
            ["approvals-crash-helper", "--db", fixture.path, "--approver", "\(Cast.alice):alice:oncall"],
            stderr: .inherit)
        defer { helper.kill(SIGKILL) }

        let line = try Self.readLine(from: helper.stdout)
        let ids = line.split(separator: " ").map(String.init)
        try #require(ids.count == 4 && ids[0] == "READY", "helper said: \(line)")
        #expect(helper.kill(SIGKILL))
        let ended = helper.wait()
        #expect(ended.reason == .uncaughtSignal)
        #expect(ended.status == SIGKILL)

        let audit = AuditLog()
        let reopened = try fixture.reopen(audit: audit)
        try await Self.checkRecovery(of: reopened, audit: audit, pending: ids[1], approved: ids[2], running: ids[3])
    }

    @Test("separate processes racing to claim one approved action: exactly one runs it")
    func crossProcessClaimRace() async throws {
        let fixture = try StoreFixture()
        let record = try await fixture.pending(Cast.call(["step": "race"]))
        _ = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        let helper = try Self.benchBinary().path
        let contenders = try (0..<8).map { _ in
            try HostCommand.start(helper, ["approvals-claim-helper", "--db", fixture.path, "--id", record.id],
                                  stderr: .inherit)
        }
        let lines = contenders.map { contender in
            let text = String(decoding: contender.readStdout(), as: UTF8.self)
            contender.wait()
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(lines.filter { $0 == #"WON {"step":"race"}"# }.count == 1, "\(lines)")
        #expect(lines.filter { $0 == "LOST conflict" }.count == contenders.count - 1, "\(lines)")
        #expect(try await fixture.store.record(id: record.id).state == .running)
    }

    private static func checkRecovery(of store: ApprovalStore, audit: AuditLog, pending: String, approved: String,
                                      running: String) async throws {
        let report = try await store.recoverAfterRestart()
        #expect(report.failedRuns.map(\.id) == [running])
        #expect(report.pending.map(\.id) == [pending])
        #expect(report.approved.map(\.id) == [approved])
        #expect(report.expired.isEmpty)
        #expect(audit.kinds == [.runFinished])

        let failed = try await store.record(id: running)
        #expect(failed.state == .failed)
        #expect(failed.runNote?.contains("restarted") == true)
        #expect(await AirlockError.Code.thrown { _ = try await store.claimForRun(id: running) } == .conflict)

        let action = try await store.claimForRun(id: approved)
        #expect(action.call.arguments == ["step": "approved"])
        #expect(await AirlockError.Code.thrown { _ = try await store.claimForRun(id: approved) } == .conflict)

        #expect(try await store.record(id: pending).state == .pending)
        let second = try await store.recoverAfterRestart()
        #expect(second.failedRuns.map(\.id) == [approved])
    }

    /// Reads one line from the helper, which prints it once its records are committed.
    private static func readLine(from handle: FileHandle) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1)
            if chunk.isEmpty || chunk.first == UInt8(ascii: "\n") { break }
            bytes.append(contentsOf: chunk)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
