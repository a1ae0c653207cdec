import AirlockCore
import Crypto
import Foundation
import Testing
@testable import Audit

@Suite("Audit store: append, chain, checkpoints")
struct AuditStoreTests {
    @Test func appendSealsEventsIntoAChain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let call = SampleEvents.call()
        let records = try await store.append(SampleEvents.allowedStory(call))

        #expect(records.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(records[0].prevHash == ChainHash.genesis(storeID: store.storeID))
        for (previous, record) in zip(records, records.dropFirst()) { #expect(record.prevHash == previous.hash) }
        let allHashesValid = records.allSatisfy { $0.hashIsValid }
        #expect(allHashesValid)
        #expect(records[0].callID == call.id)
        #expect(records[0].actor?.onBehalfOf == "alice")
        #expect(records[0].argumentsDigest == call.actionDigest)
        #expect(records[1].fields["decision"]?["rule_ids"] == ["allow-read-only"])
        try await store.close()
    }

    /// `append` builds its record from the masked values it wrote, not by
    /// reading them back: it must equal the stored record in every field.
    @Test func appendReturnsTheRecordAsStored() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let actor = AuditEvent.ActorInfo(name: "ci-agent", uid: 1000, gid: 1000, pid: 4242, roles: ["agent"],
                                         onBehalfOf: "ops@example.com", reason: "rotate AKIAIOSFODNN7EXAMPLE")
        let events = [
            AuditEvent(kind: .callReceived, callID: "c1", actor: actor, tool: "sql.query",
                       arguments: ["dsn": "postgres://app:Xk29vLq8ZpW3@db:5432/prod", "password": "hunter2-Long-Enough"],
                       argumentsDigest: "d1", fields: ["note": "mail ops@example.com"]),
            AuditEvent(kind: .daemonStarted),
            AuditEvent(kind: .runStarted, callID: "c1", actor: AuditEvent.ActorInfo(name: "n", uid: 1, gid: 2, pid: 3, roles: [])),
        ]
        let written = try await store.append(events)
        let read = try store.reader.records()
        #expect(written.count == read.count)
        for (appended, stored) in zip(written, read) {
            var appended = appended
            appended.time = stored.time  // the stored text keeps microseconds
            #expect(appended == stored)
        }
        #expect(written[0].actor?.reason?.contains("[REDACTED:aws_key:") == true)
        #expect(written[0].actor?.onBehalfOf?.hasPrefix("[REDACTED:email:") == true)
        try await store.close()
    }

    /// GRDB's pool switches WAL databases to NORMAL; the store must undo that.
    @Test func writerConnectionSyncsEveryCommit() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        #expect(try store.writerSynchronousLevel() == 2)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        #expect(try store.writerSynchronousLevel() == 2)
        try await store.close()
    }

    @Test func storeFilesArePrivate() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("state/airlock/audit.sqlite")
        let store = try AuditStore(path: path, signingKey: nil)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(
            atPath: (path as NSString).deletingLastPathComponent)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
        try await store.close()
    }

    @Test func checkpointsAreSignedEveryNEventsAndOnClose() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let key = Curve25519.Signing.PrivateKey()
        let store = try AuditStore.forTest(in: directory, key: key, checkpointEvery: 4)
        for index in 0..<9 { _ = try await store.append(AuditEvent(kind: .policyLoaded, fields: ["n": .int(Int64(index))])) }
        try await store.close()

        let reader = try AuditReader(path: directory.file("audit.sqlite"))
        let checkpoints = try reader.records(AuditFilter(kinds: [.checkpoint]))
        #expect(checkpoints.count == 3)
        let parsed = checkpoints.compactMap { AuditCheckpoint(fields: .object($0.fields)) }
        #expect(parsed.map(\.reason) == [.interval, .interval, .close])
        #expect(parsed.allSatisfy { $0.isSigned(by: key.publicKey) })
        #expect(!parsed.contains { $0.isSigned(by: Curve25519.Signing.PrivateKey().publicKey) })
        let report = try reader.verify(trustedKeys: [key.publicKey])
        #expect(report.ok)
        #expect(report.closedCleanly)
        #expect(report.unsignedTail == 0)
        #expect(report.checkpointsVerified == 3)
    }

    @Test func reopeningContinuesTheSameChain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let key = Curve25519.Signing.PrivateKey()
        let first = try AuditStore.forTest(in: directory, key: key)
        let before = try await first.append(AuditEvent(kind: .daemonStarted))
        try await first.close()
        let second = try AuditStore.forTest(in: directory, key: key)
        let after = try await second.append(AuditEvent(kind: .daemonStarted))
        #expect(second.storeID == first.storeID)
        #expect(after.seq == before.seq + 2)  // the close checkpoint sits between
        try await second.close()
        #expect(try AuditReader(path: directory.file("audit.sqlite")).verify(trustedKeys: [key.publicKey]).ok)
    }

    @Test func concurrentAppendsGetDistinctContiguousSequenceNumbers() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 50)
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var seqs: [Int64] = []
                    for index in 0..<40 {
                        let event = AuditEvent(kind: .callReceived, callID: "w\(writer)-\(index)", tool: "t")
                        seqs.append(try await store.append(event).seq)
                    }
                    return seqs
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(seqs).count == 320)
        let reader = store.reader
        #expect(try reader.records(AuditFilter(kinds: [.callReceived])).count == 320)
        #expect(try reader.verify().ok)
        try await store.close()
    }

    @Test func appendAfterCloseFailsClosed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        try await store.close()
        let error = await #expect(throws: AirlockError.self) { try await store.append(AuditEvent(kind: .daemonStarted)) }
        #expect(error?.code == .auditUnavailable)
    }

    @Test func callersCannotWriteCheckpoints() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        await #expect(throws: AirlockError.self) { try await store.append(AuditEvent(kind: .checkpoint)) }
        try await store.close()
    }

    /// The tool name is the caller's too: a call may name no catalog tool,
    /// with any text. It is stored masked, and cut (the record says so)
    /// when longer than any catalog tool's name can be.
    @Test func toolNamesAreMaskedAndUnknownLongOnesCut() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        let injected = "s3cr3t-injected-Value-91x"
        let long = "dump_" + String(repeating: "0123456789é", count: 20_000)
        var written: [AuditRecord] = []
        for (id, tool) in [("c1", "AKIAIOSFODNN7EXAMPLE"), ("c2", "run \(injected) now"), ("c3", long), ("c4", "sql.query")] {
            written.append(try await store.append(AuditEvent(kind: .callRefused, callID: id, tool: tool), secrets: [injected]))
        }
        let read = try store.reader.records()
        try await store.close()
        let stored = try sqlite(directory.file("audit.sqlite"), "SELECT event FROM audit_events")
        #expect(!stored.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(!stored.contains(injected))
        #expect(written[0].tool?.hasPrefix("[REDACTED:aws_key:") == true)
        #expect(written[1].tool?.hasPrefix("run [REDACTED:secret:") == true)
        let cut = try #require(written[2].tool)
        #expect(cut.utf8.count <= RecordedToolName.maximumBytes && cut.utf8.count > RecordedToolName.maximumBytes - 4)
        #expect(long.hasPrefix(cut))
        #expect(written[2].event["tool_truncated"] == true)
        #expect(written[2].event["tool_bytes"]?.intValue == Int64(long.utf8.count))
        #expect(stored.utf8.count < 4 * 1024)
        #expect(written[3].tool == "sql.query")
        #expect(written[3].event["tool_truncated"] == nil && written[3].event["tool_bytes"] == nil)
        for (appended, record) in zip(written, read.filter { $0.kind == .callRefused }) {
            #expect(appended.tool == record.tool && appended.eventText == record.eventText)
        }
    }

    @Test func argumentsAndOutputsAreMaskedBeforeWriting() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        let injected = "s3cr3t-injected-Value-91x"
        let call = SampleEvents.call("http.get", arguments: [
            "url": "https://api.example.com/?key=AKIAIOSFODNN7EXAMPLE",
            "header": .string("X-Token: \(injected)"),
        ])
        let record = try await store.append(AuditEvent(kind: .callReceived, call: call), secrets: [injected])
        try await store.close()
        let stored = try sqlite(directory.file("audit.sqlite"), "SELECT event FROM audit_events WHERE seq = \(record.seq)")
        #expect(!stored.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(!stored.contains(injected))
        #expect(stored.contains("[REDACTED:aws_key:"))
        #expect(stored.contains("[REDACTED:secret:"))
        #expect(record.argumentsDigest == call.actionDigest)  // bound to what really ran
    }
}
