import AirlockCore
import Crypto
import Foundation
import HostCommandSupport
import Testing
@testable import Audit

/// `kill -9` under load: a child process (`airlock-bench audit crash-writer`,
/// built with the package by `swift test`) appends from 8 writers and prints
/// each sequence number once `append` returned. We SIGKILL it at a random
/// moment, 20 times on the same store; after each kill every reported
/// sequence number must be stored and the chain must verify.
@Suite("Audit store survives SIGKILL", .serialized)
struct AuditCrashTests {
    @Test func everyAcknowledgedEventSurvivesSigkillAndTheChainVerifies() async throws {
        let writer = try crashWriterExecutable()
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let db = directory.file("audit.sqlite")
        let keyPath = directory.file("audit-signing.pem")
        var generator = SystemRandomNumberGenerator()
        var totalAcknowledged = 0

        for round in 1...20 {
            let acknowledged = try runAndKill(writer, db: db, key: keyPath,
                                              after: .milliseconds(Int.random(in: 80...600, using: &generator)))
            #expect(!acknowledged.isEmpty, "round \(round): the writer acknowledged nothing before the kill")
            totalAcknowledged += acknowledged.count

            let reader = try AuditReader(path: db)
            let stored = Set(try reader.records().map(\.seq))
            let lost = acknowledged.filter { !stored.contains($0) }
            #expect(lost.isEmpty, "round \(round): acknowledged but missing: \(lost.prefix(10))")
            let key = try AuditKeys.privateKey(from: String(contentsOfFile: keyPath, encoding: .utf8))
            let report = try reader.verify(trustedKeys: [key.publicKey])
            #expect(report.ok, "round \(round): \(report.problems.prefix(3))")
        }
        print("crash test: \(totalAcknowledged) acknowledged events over 20 SIGKILLs, none lost")
    }

    /// Starts the writer, lets it run for `after` once it has acknowledged
    /// its first event, SIGKILLs it, and returns every complete line it printed.
    private func runAndKill(_ executable: URL, db: String, key: String, after: Duration) throws -> [Int64] {
        let writer = try HostCommand.start(executable.path, ["audit", "crash-writer", "--db", db, "--key", key],
                                           stderr: .null)
        // Drain the pipe continuously so the writer never blocks on stdout.
        let collected = CollectedOutput()
        let drained = DispatchSemaphore(value: 0)
        let reading = writer.stdout
        Thread {
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
            drained.signal()
        }.start()
        // Wait for the first acknowledgement so each kill lands under load.
        let deadline = Date().addingTimeInterval(60)
        while !collected.hasLine, Date() < deadline, writer.isRunning { Thread.sleep(forTimeInterval: 0.005) }
        Thread.sleep(forTimeInterval: Double(after.components.attoseconds) / 1e18 + Double(after.components.seconds))
        writer.kill(SIGKILL)
        drained.wait()
        let data = collected.data
        #expect(writer.wait().reason == .uncaughtSignal)
        // A line cut by the kill has no newline: only complete lines count.
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { Int64($0) }
    }

    /// `airlock-bench` sits next to the test bundle in the build folder.
    private func crashWriterExecutable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundle.appendingPathComponent("airlock-bench"))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/airlock-bench"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw AirlockError(.notFound, "airlock-bench not built (looked in \(candidates.map(\.path))); run `swift build` first")
        }
        return found
    }
}

/// Bytes read from the child, shared between the draining thread and the test.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ chunk: Data) { lock.withLock { bytes.append(chunk) } }
    var data: Data { lock.withLock { bytes } }
    var hasLine: Bool { lock.withLock { bytes.contains(UInt8(ascii: "\n")) } }
}
