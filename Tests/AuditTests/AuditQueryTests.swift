import AirlockCore
import Foundation
import Testing
@testable import Audit

@Suite("Audit queries: list, show, stats, export, tail")
struct AuditQueryTests {
    /// One store with an allowed call (with a denied syscall), a denied call
    /// and a reviewed-and-approved call.
    private func populated(_ directory: TemporaryDirectory) async throws -> (AuditStore, allowed: ToolCall, denied: ToolCall, reviewed: ToolCall) {
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let allowed = SampleEvents.call("sql.query")
        let denied = SampleEvents.call("shell.run", arguments: ["cmd": "rm -rf /"])
        let reviewed = SampleEvents.call("deploy")
        _ = try await store.append(SampleEvents.allowedStory(allowed, deniedSyscalls: ["ptrace", "mount", "ptrace"]))
        _ = try await store.append([
            AuditEvent(kind: .callReceived, call: denied),
            AuditEvent(kind: .policyDecided, call: denied,
                       fields: AuditFields.decision(SampleEvents.decision(.deny, rule: "forbid-rm"))),
            AuditEvent(kind: .callRefused, call: denied, fields: ["error": ["code": "policy_denied"]]),
            AuditEvent(kind: .callReceived, call: reviewed),
            AuditEvent(kind: .policyDecided, call: reviewed,
                       fields: AuditFields.decision(SampleEvents.decision(.review, rule: "review-deploy"))),
            AuditEvent(kind: .approvalRequested, call: reviewed, fields: AuditFields.approval(id: "apr-1")),
            AuditEvent(kind: .approvalReviewed, call: reviewed,
                       fields: AuditFields.approval(id: "apr-1", reviewers: ["bob"], extra: ["outcome": "approved"])),
        ])
        _ = try await store.append(SampleEvents.allowedStory(reviewed).dropFirst(2).map { $0 })
        return (store, allowed, denied, reviewed)
    }

    @Test func showTellsOneCallsStoryInOrder() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let (store, _, _, reviewed) = try await populated(directory)
        let story = try store.reader.story(callID: reviewed.id)
        #expect(story.map(\.kind) == [.callReceived, .policyDecided, .approvalRequested, .approvalReviewed,
                                      .credentialIssued, .runStarted, .runFinished])
        #expect(story.map(\.seq) == story.map(\.seq).sorted())
        try await store.close()
    }

    /// --text searches the text as the agent sent it, though the store holds
    /// it JSON-escaped: a quote, a backslash or a control character in it
    /// still matches.
    @Test func textSearchFindsQuotesBackslashesAndControls() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory)
        let call = SampleEvents.call("shell.run", arguments: ["cmd": "printf \"%s\\n\" C:\\temp\u{1B}x"])
        _ = try await store.append(AuditEvent(kind: .callReceived, call: call))
        for needle in ["printf \"", "C:\\temp", "\u{1B}x"] {
            #expect(try store.reader.records(AuditFilter(text: needle)).count == 1, "\(needle.debugDescription)")
        }
        try await store.close()
    }

    @Test func listFiltersByEachCondition() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let (store, allowed, denied, _) = try await populated(directory)
        let reader = store.reader
        #expect(try reader.records(AuditFilter(tool: "shell.run")).allSatisfy { $0.callID == denied.id })
        #expect(try reader.records(AuditFilter(effect: "deny")).map(\.callID) == [denied.id])
        #expect(try reader.records(AuditFilter(decisionRule: "forbid-rm")).count == 1)
        #expect(try reader.records(AuditFilter(approvalID: "apr-1")).count == 2)
        #expect(try reader.records(AuditFilter(kinds: [.callRefused])).count == 1)
        #expect(try reader.records(AuditFilter(actor: "ci-agent", kinds: [.callReceived])).count == 3)
        #expect(try reader.records(AuditFilter(actor: "nobody")).isEmpty)
        #expect(try reader.records(AuditFilter(callID: allowed.id, text: "ptrace")).map(\.kind) == [.runFinished])
        #expect(try reader.records(AuditFilter(since: Date().addingTimeInterval(3600))).isEmpty)
        #expect(try reader.records(AuditFilter(until: Date().addingTimeInterval(-3600))).isEmpty)
        let newest = try reader.records(AuditFilter(limit: 2, newestFirst: true))
        #expect(newest.map(\.seq) == [15, 14])
        try await store.close()
    }

    @Test func statsCountToolsDecisionsActorsAndDeniedSyscalls() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let (store, _, _, _) = try await populated(directory)
        let stats = try store.reader.stats()
        #expect(stats.records == 15)
        #expect(Set(stats.byTool.map(\.name)) == ["sql.query", "shell.run", "deploy"])
        #expect(stats.byEffect.first { $0.name == "deny" }?.count == 1)
        #expect(stats.byActor == [AuditStats.Count(name: "ci-agent", count: 3)])
        #expect(stats.topDeniedSyscalls.first == AuditStats.Count(name: "ptrace", count: 2))
        try await store.close()
    }

    @Test func exportedLinesRehashToTheirHash() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let (store, _, _, _) = try await populated(directory)
        var lines: [String] = []
        try store.reader.exportJSONLines { lines.append($0) }
        #expect(lines.count == 15)
        for line in lines {
            guard case .object(var object) = try CanonicalJSON.parse(line), let hash = object.removeValue(forKey: "hash")
            else { Issue.record("not an object with a hash: \(line)"); continue }
            #expect(Digest.sha256Hex(JSONValue.object(object)) == hash.stringValue)
            #expect(JSONValue.object(object.merging(["hash": hash]) { a, _ in a }).canonicalText == line)
        }
        let decoded = try JSONDecoder().decode(AuditRecord.self, from: Data(lines[0].utf8))
        #expect(decoded.hashIsValid)
        try await store.close()
    }

    @Test func aCopiedFileReadsAndVerifiesLikeTheLiveStore() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let (store, _, _, _) = try await populated(directory)
        try await store.close()
        let copy = directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: directory.file("audit.sqlite"), toPath: copy)
        let reader = try AuditReader(path: copy)
        #expect(try reader.records().count == 16)
        #expect(try reader.verify().ok)
    }

    @Test func aSecondProcessStyleReaderSeesLiveCommits() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        let outside = try AuditReader(path: directory.file("audit.sqlite"))
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        #expect(try outside.lastSeq() == 1)
        _ = try await store.append(AuditEvent(kind: .policyLoaded))
        #expect(try outside.records().map(\.kind) == [.daemonStarted, .policyLoaded])
        try await store.close()
    }

    @Test func followYieldsExistingThenNewRecords() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore.forTest(in: directory, checkpointEvery: 0)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        let stream = try AuditReader(path: directory.file("audit.sqlite"))
            .follow(AuditFilter(), afterSeq: 0, interval: .milliseconds(20))
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.kind == .daemonStarted)
        _ = try await store.append(AuditEvent(kind: .policyLoaded))
        #expect(try await iterator.next()?.kind == .policyLoaded)
        try await store.close()
    }
}
