import AirlockCore
import Crypto
import Foundation
import Testing
@testable import Audit

/// Checkpoints sign the writer's interval; with the daemon's key, verify
/// requires one at least that often. These tests remove checkpoints and
/// recompute every hash (so the chain itself is consistent again) and
/// check that verify with the key still fails.
@Suite("Audit verify: checkpoints can't be removed")
struct AuditCheckpointSpacingTests {
    private let fixture = TamperableTrail()
    private var key: Curve25519.Signing.PrivateKey { fixture.key }

    /// The reviewer's rewrite.py: every checkpoint removed, one record doctored, all rehashed.
    @Test func rewriteWithEveryCheckpointRemovedFails() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-8', 'call-99') WHERE seq = 9")
        try ChainTampering.rehash(path, from: 1, droppingCheckpoints: true)
        #expect(try AuditReader(path: path).verify().ok, "self-consistent against the database's own keys")
        let report = try fixture.verify(directory)
        #expect(report.problems.map(\.kind) == [.missingCheckpoints])
        #expect(report.firstBadSeq == 1)
        #expect(report.problems.first?.message.contains("no checkpoint signed by a trusted key verified in 30 records") == true)
    }

    /// Only the checkpoints after the edit removed: the intact ones verify,
    /// but the run after them is longer than the signed interval.
    @Test func rewriteWithLaterCheckpointsRemovedFails() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-12', 'call-99') WHERE seq = 14")
        try ChainTampering.rehash(path, from: 14, droppingCheckpoints: true)
        let report = try fixture.verify(directory)
        #expect(report.checkpointsVerified == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.kind == .missingCheckpoints)
        #expect(problem.seq == 12)
        #expect(problem.message.contains("records 12…31 follow the last verified checkpoint (11): 20 records, more than the 10"))
    }

    /// Records rewritten before the last two checkpoints, which are then
    /// made unparseable (rather than removed) so that a verifier skips them.
    @Test func unparseableCheckpointRowsAreForged() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-22', 'call-99') WHERE seq = 25")
        try ChainTampering.rehash(path, from: 25)
        try ChainTampering.corrupt(path, rows: [33, 34])
        let report = try fixture.verify(directory)
        #expect(report.problems.map(\.kind) == [.forgedCheckpoint, .forgedCheckpoint])
        #expect(report.firstBadSeq == 33)
        #expect(report.problems.first?.message.hasPrefix("record 33 is not valid JSON") == true)
    }

    /// A checkpoint whose kind is spelled with an escape is still one.
    @Test func escapedCheckpointKindIsStillChecked() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory)
        try sqlite(path, "UPDATE audit_events SET event = replace(event, 'call-22', 'call-99') WHERE seq = 25")
        try sqlite(path, #"UPDATE audit_events SET event = replace(replace(event, '"audit.checkpoint"', '"audit\u002echeckpoint"'), '"checkpoint":', '"\u0063heckpoint":') WHERE seq IN (33, 34)"#)
        try ChainTampering.rehash(path, from: 25)
        let report = try fixture.verify(directory)
        #expect(report.problems.first?.kind == .checkpointMismatch)
        #expect(report.firstBadSeq == 23, "\(report.problems)")
    }

    @Test func untouchedTrailsPassOpenOrClosed() async throws {
        for close in [true, false] {
            let directory = TemporaryDirectory()
            defer { directory.cleanUp() }
            // 39 events, left open: 9 records after the last checkpoint, the live tail.
            _ = try await fixture.make(in: directory, events: 39, close: close)
            let report = try fixture.verify(directory)
            #expect(report.ok, "\(report.problems)")
            #expect(report.unsignedTail == (close ? 0 : 9))
        }
    }

    /// The daemon signs a start checkpoint, so a live trail younger than its
    /// first interval already verifies with the key; without one, a trail
    /// with no checkpoint at all can't be told from one that lost them.
    @Test func aYoungLiveTrailVerifiesOnceStarted() async throws {
        for started in [true, false] {
            let directory = TemporaryDirectory()
            defer { directory.cleanUp() }
            let store = try AuditStore.forTest(in: directory, key: key, checkpointEvery: 1000)
            if started { try await store.markStarted() }
            try await store.appendCalls(0..<5)
            let report = try store.reader.verify(trustedKeys: [key.publicKey])
            #expect(report.ok == started, "\(report.problems)")
            #expect(report.unsignedTail == 5)
        }
    }

    /// A checkpoint is due after every N events, not only at the end of a
    /// batch: concurrent appends still leave no run longer than N.
    @Test func concurrentAppendsKeepTheInterval() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, key: key, checkpointEvery: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { _ = try await store.append(AuditEvent(kind: .callReceived, callID: "c\(index)")) }
            }
            try await group.waitForAll()
        }
        try await store.close()
        let report = try fixture.verify(directory)
        #expect(report.ok, "\(report.problems)")
        #expect(report.checkpointsVerified >= 200 / 3)
    }

    @Test func checkpointsSignTheirInterval() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try await fixture.make(in: directory, events: 10)
        let checkpoints = try AuditReader(path: path).records(AuditFilter(kinds: [.checkpoint]))
            .compactMap { AuditCheckpoint(fields: .object($0.fields)) }
        #expect(checkpoints.map(\.everyEvents) == [10, 10])
        var altered = try #require(checkpoints.first)
        altered.everyEvents = 1_000_000
        #expect(!altered.isSigned(by: key.publicKey))
    }

    /// A v1 checkpoint (no interval signed) still verifies.
    @Test func versionOneCheckpointsStillVerify() throws {
        var checkpoint = AuditCheckpoint(seq: 5, headHash: String(repeating: "a", count: 64), storeID: "s",
                                         time: "2026-01-01T00:00:00.000000Z", reason: .interval,
                                         keyID: AuditKeys.keyID(key.publicKey), everyEvents: nil, signature: "")
        #expect(checkpoint.signedText.contains("\"type\":\"airlock.audit.checkpoint.v1\""))
        #expect(!checkpoint.signedText.contains("every_events"))
        checkpoint.signature = try key.signature(for: Data(checkpoint.signedText.utf8)).base64EncodedString()
        let parsed = try #require(AuditCheckpoint(json: try CanonicalJSON.parse(checkpoint.json.canonicalText)))
        #expect(parsed.isSigned(by: key.publicKey))
        #expect(parsed.promisedInterval == AuditCheckpoint.legacyEveryEvents)
    }
}
