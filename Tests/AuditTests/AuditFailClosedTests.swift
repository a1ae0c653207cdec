import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Audit

/// A store that cannot make an event durable must refuse, with an error
/// that names the store and the reason, never return as if it had written.
@Suite("Audit store fails closed", .serialized)
struct AuditFailClosedTests {
    @Test func readOnlyStoreRefusesAppends() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("audit.sqlite")
        let store = try AuditStore(path: path, signingKey: nil)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        try await store.close()
        // Root ignores file modes, so make the file immutable instead.
        try run("/usr/bin/chattr", ["+i", path])
        defer { try? run("/usr/bin/chattr", ["-i", path]) }

        let error = await #expect(throws: AirlockError.self) {
            let reopened = try AuditStore(path: path, signingKey: nil)
            _ = try await reopened.append(AuditEvent(kind: .daemonStarted))
        }
        #expect(error?.code == .auditUnavailable)
        #expect(error?.message.contains(path) == true)
        try run("/usr/bin/chattr", ["-i", path])
        #expect(try AuditReader(path: path).records().count == 1)
    }

    @Test func unwritableLocationRefusesToOpen() async throws {
        let error = #expect(throws: AirlockError.self) {
            _ = try AuditStore(path: "/proc/airlock-audit/audit.sqlite", signingKey: nil)
        }
        #expect(error?.code == .auditUnavailable)
    }

    @Test func fullStoreRefusesAppendsAndKeepsItsChain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try AuditStore(path: directory.file("audit.sqlite"), signingKey: nil, maxSizeBytes: 96 * 1024)
        let bulky = JSONValue.string(String(repeating: "lorem ipsum ", count: 400))
        var failure: AirlockError?
        var written = 0
        for _ in 0..<1000 {
            do {
                _ = try await store.append(AuditEvent(kind: .runFinished, fields: ["stdout": bulky]))
                written += 1
            } catch let error as AirlockError {
                failure = error
                break
            }
        }
        #expect(failure?.code == .auditUnavailable)
        #expect(failure?.message.contains("full") == true)
        #expect(written > 0)
        #expect(try store.reader.records().count == written)
        #expect(try store.reader.verify().ok)
        // The failed batch rolled back; small events still fit and chain on.
        _ = try await store.append(AuditEvent(kind: .daemonStopped))
        #expect(try store.reader.verify().ok)
    }

    @Test func lockedStoreRefusesAppendsAfterTheBusyTimeout() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("audit.sqlite")
        let store = try AuditStore(path: path, signingKey: nil, busyTimeout: 0.2)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))

        // Another process takes the write lock and holds it.
        let holder = try HostCommand.start("/usr/bin/sqlite3", [path], stdin: .pipe, stderr: .inherit)
        holder.stdin.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        _ = holder.stdout.availableData  // waits for "locked"
        defer {
            try? holder.stdin.close()
            holder.wait()
        }

        let error = await #expect(throws: AirlockError.self) { try await store.append(AuditEvent(kind: .policyLoaded)) }
        #expect(error?.code == .auditUnavailable)
        #expect(error?.message.contains("locked") == true)

        holder.stdin.write(Data("ROLLBACK;\n.quit\n".utf8))
        holder.wait()
        _ = try await store.append(AuditEvent(kind: .policyLoaded))
        #expect(try store.reader.verify().ok)
        try await store.close()
    }
}

private func run(_ executable: String, _ arguments: [String]) throws {
    let finished = try HostCommand.run(executable, arguments, stdout: .inherit, stderr: .inherit)
    guard finished.status == 0 else {
        throw AirlockError(.internalError, "\(executable) \(arguments) exited \(finished.status)")
    }
}
