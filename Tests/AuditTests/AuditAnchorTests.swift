import AirlockCore
import Crypto
import Foundation
import Synchronization
import Testing
@testable import Audit

/// The anchor file holds each signed checkpoint outside the database. These
/// tests cut or roll back the trail so that everything *inside* the
/// database agrees again (head rows moved, hashes recomputed) and check
/// that the anchor still gives it away.
@Suite("Audit verify: anchors outside the database")
struct AuditAnchorTests {
    /// 30 events, checkpoints at 11, 22, 33, close at 34: four anchor lines.
    private let fixture = TamperableTrail(anchored: true)
    private var key: Curve25519.Signing.PrivateKey { fixture.key }

    @Test func everyCheckpointIsAppendedAsOneLine() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        _ = try await fixture.make(in: directory)
        let anchors = try AnchorFile(path: directory.file("audit-anchors.jsonl")).anchors()
        #expect(anchors.map(\.seq) == [10, 21, 32, 33])
        #expect(anchors.allSatisfy { $0.checkpoint?.isSigned(by: key.publicKey) == true })
        #expect(anchors.last?.checkpoint?.reason == .close)
        let report = try fixture.verify(directory)
        #expect(report.ok, "\(report.problems)")
        #expect(report.anchorsChecked == 4)
    }

    /// The reviewer's tamper_tail.py: cut after a checkpoint, head rows moved.
    @Test func cutTailWithMovedHeadFailsAgainstTheAnchor() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try ChainTampering.cutTail(path, keeping: 22)

        let inside = try AuditReader(path: path).verify(trustedKeys: [key.publicKey])
        #expect(inside.ok, "the database alone can't see the cut: \(inside.problems)")
        let report = try fixture.verify(directory)
        #expect(report.firstBadSeq == 23)
        let problem = try #require(report.problems.first)
        #expect(problem.kind == .truncated)
        #expect(problem.message.contains("records 23…33 are missing from the end"))
        #expect(problem.message.contains("audit-anchors.jsonl:4"))
    }

    @Test func restoredOlderCopyFailsAgainstTheAnchor() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let first = try fixture.store(directory)
        try await first.appendCalls(0..<15)
        try await first.close()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: directory.file("audit.sqlite" + suffix)) {
            try FileManager.default.copyItem(atPath: directory.file("audit.sqlite" + suffix),
                                             toPath: directory.file("old.sqlite" + suffix))
        }
        let second = try fixture.store(directory)
        try await second.appendCalls(15..<40)
        try await second.close()
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: directory.file("audit.sqlite" + suffix))
            try? FileManager.default.moveItem(atPath: directory.file("old.sqlite" + suffix),
                                              toPath: directory.file("audit.sqlite" + suffix))
        }
        let report = try fixture.verify(directory)
        #expect(report.problems.first?.kind == .truncated)
        #expect(report.firstBadSeq == 18)  // the old copy ended with its close checkpoint at 17
    }

    @Test func rewrittenRecordDiffersFromTheAnchorEvenWithoutKeys() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-12', 'call-99') WHERE seq = 14")
        try ChainTampering.rehash(path, from: 14, droppingCheckpoints: true)
        let report = try fixture.verify(directory, keys: false)
        let mismatch = try #require(report.problems.first { $0.kind == .anchorMismatch })
        #expect(mismatch.seq == 12)  // the first record after the last anchor that still matched (10)
        #expect(mismatch.message.contains("audit-anchors.jsonl:2"))
    }

    @Test func expectedHeadIsCheckedLikeAnAnchor() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        let hash = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = 30").trimmingCharacters(in: .whitespacesAndNewlines)
        let reader = try AuditReader(path: path)
        #expect(try reader.verify(VerifyOptions(anchors: [ChainAnchor(expectedHead: "30:\(hash)")])).ok)
        let wrong = String(repeating: "0", count: 64)
        let report = try reader.verify(VerifyOptions(anchors: [ChainAnchor(expectedHead: "30:\(wrong)")]))
        #expect(report.problems.map(\.kind) == [.anchorMismatch])
        let beyond = try reader.verify(VerifyOptions(anchors: [ChainAnchor(expectedHead: "40:\(hash)")]))
        #expect(beyond.problems.first?.kind == .truncated && beyond.firstBadSeq == 35)
        #expect(throws: AirlockError.self) { try ChainAnchor(expectedHead: "30:\(hash.uppercased())") }
        #expect(throws: AirlockError.self) { try ChainAnchor(expectedHead: "-1:\(hash)") }
    }

    @Test func anchorsOfAnotherStoreOnlyAreNamed() async throws {
        let directory = TemporaryDirectory(), other = TemporaryDirectory()
        defer { directory.cleanUp(); other.cleanUp() }
        _ = try await fixture.make(in: directory)
        _ = try await fixture.make(in: other)
        let foreign = try AnchorFile(path: other.file("audit-anchors.jsonl")).anchors()
        let report = try AuditReader(path: directory.file("audit.sqlite")).verify(VerifyOptions(anchors: foreign))
        #expect(report.problems.map(\.kind) == [.wrongStore])
        let pinned = try AuditReader(path: directory.file("audit.sqlite")).verify(VerifyOptions(storeID: "other-store"))
        #expect(pinned.problems.map(\.kind) == [.wrongStore])
    }

    @Test func anchorLinesNotSignedByTheTrustedKeyAreNamed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        _ = try await fixture.make(in: directory)
        var anchors = try AnchorFile(path: directory.file("audit-anchors.jsonl")).anchors()
        let otherSignature = try #require(anchors[0].checkpoint?.signature)
        anchors[1].checkpoint?.signature = otherSignature
        let report = try AuditReader(path: directory.file("audit.sqlite"))
            .verify(VerifyOptions(trustedKeys: [key.publicKey], anchors: anchors))
        #expect(report.problems.map(\.kind) == [.forgedCheckpoint])
    }

    /// A line an earlier failed append left unfinished: the next checkpoint
    /// goes on a line of its own, so it stays readable (and the torn line
    /// is the one verify names).
    @Test func aCheckpointAfterATornLineStartsALineOfItsOwn() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        _ = try await fixture.make(in: directory)
        let anchors = AnchorFile(path: directory.file("audit-anchors.jsonl"))
        let checkpoint = try #require(try anchors.anchors().last?.checkpoint)
        let torn = directory.file("torn.jsonl")
        try "{\"seq\":7,\"head".write(toFile: torn, atomically: true, encoding: .utf8)
        try AnchorFile(path: torn).append(checkpoint)
        let lines = try String(contentsOfFile: torn, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let appended = try ChainAnchor.parse(anchorFile: String(lines[1]), source: torn)
        #expect(appended.map(\.seq) == [checkpoint.seq])
        #expect(throws: AirlockError(.invalidArguments, "anchor \(torn):1 is not a checkpoint line")) { try AnchorFile(path: torn).anchors() }
    }

    @Test func aTornOrForeignLineIsAnErrorNamingTheLine() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        try "{\"seq\":1}\n".write(toFile: directory.file("a.jsonl"), atomically: true, encoding: .utf8)
        #expect(throws: AirlockError(.invalidArguments, "anchor \(directory.file("a.jsonl")):1 is not a checkpoint line")) {
            try AnchorFile(path: directory.file("a.jsonl")).anchors()
        }
    }

    /// A quiet trail is anchored by the timer, not only after N events.
    @Test(.timeLimit(.minutes(3))) func timerAnchorsAQuietTail() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let published = Mutex<[AuditCheckpoint]>([])
        let store = try AuditStore(path: directory.file("audit.sqlite"), signingKey: key, checkpointEvery: 1000,
                                   checkpointEverySeconds: 0.05, publish: { checkpoint in
                                       published.withLock { $0.append(checkpoint) }
                                   })
        let record = try await store.append(AuditEvent(kind: .daemonStarted))
        while published.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        let first = try #require(published.withLock { $0.first })
        #expect(first.reason == .timer && first.seq == record.seq && first.headHash == record.hash)
        try await store.close()
        // Nothing new between ticks: no further timer checkpoints, only the close.
        #expect(published.withLock { $0.map(\.reason) }.filter { $0 == .timer }.count == 1)
    }

    /// A checkpoint that can't be published stops the store: its tail could
    /// otherwise be cut without trace. Once publishing works, it resumes.
    @Test func unpublishableCheckpointFailsAppendsClosed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let broken = Mutex(true)
        let anchors = AnchorFile(path: directory.file("audit-anchors.jsonl"))
        let store = try AuditStore(path: directory.file("audit.sqlite"), signingKey: key, checkpointEvery: 2,
                                   publish: { checkpoint in
                                       if broken.withLock({ $0 }) { throw AirlockError(.auditUnavailable, "anchor disk full") }
                                       try anchors.append(checkpoint)
                                   })
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        await #expect(throws: AirlockError.self) { try await store.append(AuditEvent(kind: .daemonStarted)) }
        await #expect(throws: AirlockError.self) { try await store.append(AuditEvent(kind: .daemonStarted)) }
        broken.withLock { $0 = false }
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        try await store.close()
        #expect(try anchors.anchors().map(\.seq) == [2, 4])
        let report = try AuditReader(path: directory.file("audit.sqlite"))
            .verify(VerifyOptions(trustedKeys: [key.publicKey], anchors: try anchors.anchors()))
        #expect(report.ok, "\(report.problems)")
    }
}
