import AirlockCore
import AirlockServer
import Approvals
import Foundation
import GRDB
import Testing
import WebhookTestSupport

/// The check, through the composed daemon: a tool that echoes its
/// secret, under a `review` rule, with a webhook configured in the daemon
/// config. The agent gets the output back masked, and the secret is in no
/// pending record, log line, webhook request or audit byte.
@Suite("composed daemon: a reviewed tool's secret leaks nowhere", .serialized)
struct ReviewedSecretLeakTests {
    static let signingSecret = "hook-signing-\(UUID().uuidString.prefix(8))"

    @Test func aReviewedToolThatEchoesItsSecretLeaksItNowhere() async throws {
        let receiver = try await WebhookReceiver.start()
        let logs = LogCapture()
        let daemon = try await ComposedDaemon.start(
            extraConfig: """
                webhooks:
                  - url: \(receiver.url)
                    format: slack
                    secret_env: AIRLOCK_TEST_WEBHOOK_SECRET
                    retry: { max_attempts: 3, initial_backoff_seconds: 0.05 }
                """,
            withApprovals: true, environment: ["AIRLOCK_TEST_WEBHOOK_SECRET": Self.signingSecret], logs: logs)
        defer { Task { await daemon.stop(); try? await receiver.stop() } }
        let store = try #require(daemon.approvals?.store)
        let secret = ComposedDaemon.secretValue
        let marker = "leak-\(UUID().uuidString.prefix(8))"

        let path = daemon.socketPath
        async let reply = blocking { try AgentClient(socketPath: path).call("echo_secret_reviewed", ["note": .string(marker)]) }
        var pending: [ApprovalRecord] = []
        for _ in 0..<600 where pending.isEmpty {
            pending = try await store.list(states: [.pending])
            if pending.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        let record = try #require(pending.first)
        _ = try await store.approve(id: record.id, approverUID: ComposedDaemon.approverUID, reason: "checked")

        // The agent: the tool ran and printed its secret, which came back masked.
        let answer = try await reply
        #expect(answer["isError"] != true, "\(answer)")
        #expect(answer.toolText.contains("token=[REDACTED:"), "\(answer.toolText)")
        #expect(!answer.canonicalText.contains(secret))
        #expect(try await store.record(id: record.id).state == .done)

        // The webhook: posted for this record, signed with the configured secret.
        #expect(await eventually { !receiver.received.isEmpty })
        let request = try #require(receiver.received.first)
        #expect(String(decoding: request.body, as: UTF8.self).contains(record.id))
        let timestamp = try #require(request.headers["x-airlock-timestamp"].flatMap { Int64($0) })
        #expect(WebhookSignature.verify(body: request.body, timestamp: timestamp,
                                        signature: request.headers["x-airlock-signature"] ?? "", secret: Self.signingSecret))
        for received in receiver.received {
            let headers = received.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
            #expect(!headers.contains(secret) && !headers.contains(Self.signingSecret))
            #expect(received.body.range(of: Data(secret.utf8)) == nil)
            #expect(received.body.range(of: Data(Self.signingSecret.utf8)) == nil)
        }

        // The pending record, every column of every row, read raw.
        let rows = try Self.everyValue(inSQLiteAt: daemon.approvalsPath)
        #expect(rows.contains { $0.value.contains(marker) }, "the approval rows hold the call")
        for row in rows {
            #expect(!row.value.contains(secret), "\(row.table).\(row.column) holds the secret")
            #expect(!row.value.contains(Self.signingSecret), "\(row.table).\(row.column) holds the webhook secret")
        }

        // The daemon's log lines, once the delivery has been logged.
        #expect(await eventually { logs.text.contains("webhook notified") })
        #expect(logs.all.contains { $0.contains("approval requested") && $0.contains(record.id) })
        #expect(!logs.text.contains(secret))
        #expect(!logs.text.contains(Self.signingSecret))

        // Both stores' files, byte for byte, write-ahead logs included.
        for file in [daemon.approvalsPath, daemon.auditPath] {
            var bytes = Data()
            for part in [file, file + "-wal"] where FileManager.default.fileExists(atPath: part) {
                bytes.append(try Data(contentsOf: URL(fileURLWithPath: part)))
            }
            #expect(bytes.range(of: Data(marker.utf8)) != nil, "\(file) holds the call")
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret")
            #expect(bytes.range(of: Data(Self.signingSecret.utf8)) == nil, "\(file) holds the webhook secret")
        }
        let trail = try daemon.allRecords()
        #expect(trail.contains { $0.kind == .runFinished && $0.eventText.contains("token=") })
        #expect(!trail.map(\.eventText).joined().contains(secret))
    }

    struct StoredValue {
        var table: String
        var column: String
        var value: String
    }

    /// Every value of every table, as text (blobs decoded as UTF-8), read
    /// with a separate read-only connection, the way an operator would.
    static func everyValue(inSQLiteAt path: String) throws -> [StoredValue] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            var values: [StoredValue] = []
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for (column, value) in row {
                        let text: String = switch value.storage {
                        case .blob(let data): String(decoding: data, as: UTF8.self)
                        case .string(let string): string
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .null: ""
                        }
                        values.append(StoredValue(table: table, column: column, value: text))
                    }
                }
            }
            return values
        }
    }
}
