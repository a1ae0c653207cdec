import AirlockCore
import AirlockServer
import Approvals
import Executor
import Foundation
import Testing

/// The admin socket end to end: a real `AdminServer` on a temporary socket
/// over a real `ApprovalStore` on a temporary SQLite file. Every client
/// call runs on its own thread (`blocking`) so the store's tasks always have
/// the cooperative pool to themselves.
@Suite("admin socket", .serialized)
struct AdminServerTests {
    @Test func listAndShowDisplayMaskedArgumentsOnly() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let record = try await fixture.pending()
        let decided = try await fixture.pending(arguments: ["value": "other"])
        _ = try await fixture.store.deny(id: decided.id, approverUID: AdminFixture.me, reason: "no")

        let (pending, all, shown) = try await blocking {
            let client = try fixture.client()
            return (try client.request("approvals/list"), try client.request("approvals/list", params: ["all": true]),
                    try client.request("approvals/show", params: ["id": .string(record.id)]))
        }
        #expect(pending["approvals"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [record.id])
        #expect(Set(all["approvals"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == [record.id, decided.id])
        let approval = try #require(shown["approval"])
        #expect(approval["state"] == "PENDING")
        #expect(approval["arguments"] == ["value": "original", "token": "[masked]"])
        #expect(approval["rule"]?["id"] == "needs-review")
        #expect(approval["requester"]?["name"] == "ci-agent")
        for reply in [pending, all, shown] { #expect(!CanonicalJSON.encode(reply).contains("s3cret")) }
    }

    @Test func approveRecordsTheSocketUIDNotAClaimedOne() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let record = try await fixture.pending()
        let reply = try await blocking {
            // Fields naming another approver are ignored: only the socket says who this is.
            try fixture.client().request("approvals/approve", params: [
                "id": .string(record.id), "reason": "looks right", "approver_uid": .int(Int64(AdminFixture.nobody)),
                "person": "nobody-approver",
            ])
        }
        #expect(reply["approval"]?["state"] == "APPROVED")
        let stored = try await fixture.store.record(id: record.id)
        #expect(stored.state == .approved)
        #expect(stored.reviews.map(\.person) == ["tester"])
        #expect(stored.reviews.map(\.uid) == [AdminFixture.me])
        #expect(stored.reviews.first?.reason == "looks right")
    }

    @Test func denyKeepsTheReason() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let record = try await fixture.pending()
        let reply = try await blocking {
            try fixture.client().request("approvals/deny", params: ["id": .string(record.id), "reason": "use staging first"])
        }
        #expect(reply["approval"]?["state"] == "DENIED")
        #expect(reply["approval"]?["decision_reason"] == "use staging first")
        let refusal = try #require(try await fixture.store.record(id: record.id).refusal)
        #expect(refusal.message.contains("use staging first"))
    }

    @Test func theRequesterIsRefusedEvenWhenConfiguredAsApprover() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let own = try await fixture.pending(by: AdminFixture.selfAgent)
        let (approve, deny) = try await blocking {
            let client = try fixture.client()
            return (client.failure("approvals/approve", ["id": .string(own.id)]),
                    client.failure("approvals/deny", ["id": .string(own.id), "reason": "mine"]))
        }
        for failure in [approve, deny] {
            #expect(failure?.code == AdminErrorCode.forbidden)
            #expect(failure?.message.contains("cannot review") == true)
        }
        #expect(try await fixture.store.record(id: own.id).state == .pending)
    }

    @Test func storeErrorsMapToDistinctCodesWithTheirMessage() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let needsReason = try await fixture.pending(reasonRequired: true)
        let decided = try await fixture.pending()
        _ = try await fixture.store.approve(id: decided.id, approverUID: AdminFixture.nobody)
        let overdue = try await fixture.pending(now: Date().addingTimeInterval(-3600))

        let failures = try await blocking {
            let client = try fixture.client()
            return [
                client.failure("approvals/show", ["id": "apr-00000000000000000000"]),
                client.failure("approvals/approve", ["id": .string(needsReason.id)]),
                client.failure("approvals/approve", ["id": .string(decided.id)]),
                client.failure("approvals/approve", ["id": .string(overdue.id)]),
                client.failure("approvals/list", ["states": ["SOON"]]),
                client.failure("approvals/approve", [:]),
                client.failure("approvals/forget", [:]),
            ]
        }
        #expect(failures.map { $0?.code } == [AdminErrorCode.notFound, -32602, AdminErrorCode.conflict, AdminErrorCode.expired,
                                              -32602, -32602, -32601])
        #expect(failures[0]?.message.contains("no approval apr-00000000000000000000") == true)
        #expect(failures[1]?.message.contains("requires a reason") == true)
        #expect(failures[2]?.message.contains("already APPROVED") == true)
        #expect(failures[3]?.message.contains("expired") == true)
        #expect(try await fixture.store.record(id: needsReason.id).state == .pending)
        #expect(try await fixture.store.record(id: overdue.id).state == .expired)
    }

    @Test func theSocketIsCreatedWithItsOwnMode() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        var info = stat()
        #expect(lstat(fixture.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(fixture.admin.socketPath == fixture.socketPath)
    }

    /// Past the cap, a connection gets one busy error and an EOF, and
    /// costs the daemon nothing afterwards: after fifty refusals and the
    /// clients gone, the process holds as many descriptors as before.
    @Test func refusedConnectionsAnswerBusyAndLeakNothing() async throws {
        let fixture = try await AdminFixture.start()
        defer { Task { await fixture.stop() } }
        let cap = ServerSettings.adminDefaults.maxConnectionsPerUID
        // The daemon's sockets on this path (the listener and each accepted
        // connection), from the kernel's table: other tests running in this
        // process open and close descriptors of their own meanwhile.
        let socketPath = fixture.socketPath
        let serverSockets = {
            ((try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8)) ?? "")
                .split(separator: "\n").filter { $0.hasSuffix(" " + socketPath) }.count
        }
        let before = serverSockets()
        let refusals = try await blocking { () -> [String] in
            let held = try (0..<cap).map { _ in try fixture.client() }
            for client in held { _ = try client.request("approvals/list") }
            let refusals = try (0..<50).map { _ -> String in
                let extra = try fixture.client()
                let reply = try extra.readLine().map { try CanonicalJSON.parse($0) }
                let closed = try extra.readLine() == nil
                return (reply?["error"]?["message"]?.stringValue ?? "no reply") + (closed ? " [EOF]" : " [still open]")
            }
            withExtendedLifetime(held) {}
            return refusals
        }
        #expect(refusals.count == 50)
        #expect(refusals.allSatisfy { $0.contains("already holds \(cap) connections") && $0.hasSuffix("[EOF]") },
                "\(refusals.first ?? "")")
        #expect(before == 1, "the listener alone: \(before)")
        #expect(await eventually { serverSockets() == before }, "sockets: \(before) before, \(serverSockets()) after")
    }
}

