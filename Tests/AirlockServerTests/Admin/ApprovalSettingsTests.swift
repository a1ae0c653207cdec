import AirlockCore
import Approvals
import Executor
import Foundation
import Testing

@Suite("approvers: config section")
struct AdminApprovalSettingsTests {
    func settings(_ yaml: String) throws -> ApprovalSettings? {
        let config = try ConfigLoader.parse(yaml: yaml + "\n" + testCatalogYAML, file: "/etc/airlock/airlock.yaml")
        return try ApprovalSettings.parse(config.approvers, configFile: config.file)
    }

    @Test func aFullSectionParses() throws {
        let parsed = try #require(try settings("""
            approvers:
              database: state/approvals.sqlite
              expiry_seconds: 600
              max_pending_per_agent: 5
              wait_seconds: 30
              admin_socket: { path: admin.sock, mode: "0660", group: approvers }
              people:
                - { uid: 1001, person: alice, groups: [oncall] }
                - { uid: 1002, person: bob, groups: [oncall, dba] }
            """))
        #expect(parsed.databasePath == "/etc/airlock/state/approvals.sqlite")
        #expect(parsed.config.expiry == .seconds(600))
        #expect(parsed.config.maxPendingPerAgent == 5)
        #expect(parsed.wait == .seconds(30))
        #expect(parsed.config.approvers.map(\.person) == ["alice", "bob"])
        #expect(parsed.adminSocket.socketPath == "/etc/airlock/admin.sock")
        #expect(parsed.adminSocket.socketMode == 0o660)
        #expect(parsed.adminSocket.socketGroup == "approvers")
    }

    /// The number form is what server.socket_group takes too.
    @Test func aNumericAdminSocketGroupIsAGid() throws {
        let parsed = try #require(try settings("""
            approvers:
              database: q.sqlite
              admin_socket: { group: 1000 }
              people: [{ uid: 1001, person: alice, groups: [oncall] }]
            """))
        #expect(parsed.adminSocket.socketGroup == "1000")
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let parsed = try #require(try settings("""
            approvers:
              database: /var/lib/airlock/approvals.sqlite
              people: [{ uid: 1001, person: alice, groups: [oncall] }]
            """))
        #expect(parsed.config.expiry == ApprovalConfig.defaultExpiry)
        #expect(parsed.config.maxPendingPerAgent == 20)
        #expect(parsed.wait == .seconds(120))
        #expect(parsed.adminSocket.socketPath == nil)
        #expect(parsed.adminSocket.socketMode == 0o600)
        #expect(try settings("") == nil)
    }

    @Test(arguments: [
        ("approvers: { people: [{ uid: 1, person: a, groups: [g] }] }", "database"),
        ("approvers: { database: q.sqlite, people: [] }", "nobody could approve"),
        ("approvers: { database: q.sqlite, people: [{ uid: 1, person: a, groups: [g] }], wait: 3 }", "wait is not a setting"),
        ("approvers: { database: q.sqlite, people: [{ uid: 1, person: a }] }", "groups"),
        ("approvers: { database: q.sqlite, people: [{ uid: 1, person: a, groups: [g] }, { uid: 1, person: b, groups: [g] }] }", "share uid"),
        ("approvers: { database: q.sqlite, admin_socket: { mode: 660 }, people: [{ uid: 1, person: a, groups: [g] }] }", "octal"),
        ("approvers: { database: q.sqlite, max_pending_per_agent: 0, people: [{ uid: 1, person: a, groups: [g] }] }", "max_pending_per_agent"),
        ("approvers: { database: /tmp, people: [{ uid: 1, person: a, groups: [g] }] }", "names a folder"),
        ("approvers: { database: q.sqlite, people: [{ uid: 1, person: a, groups: [dba, 7] }] }", "as names"),
        ("approvers: { database: q.sqlite, admin_socket: { group: [x] }, people: [{ uid: 1, person: a, groups: [g] }] }", "group name or gid"),
        ("approvers: { database: q.sqlite, admin_socket: { path: 5 }, people: [{ uid: 1, person: a, groups: [g] }] }", "socket file"),
        ("approvers: { database: state/, people: [{ uid: 1, person: a, groups: [g] }] }", "SQLite file"),
        ("approvers: { database: 5, people: [{ uid: 1, person: a, groups: [g] }] }", "SQLite file"),
        ("approvers: { database: q.sqlite, max_pending_per_agent: many, people: [{ uid: 1, person: a, groups: [g] }] }", "max_pending_per_agent"),
    ])
    func mistakesAreNamed(yaml: String, expected: String) throws {
        do {
            _ = try settings(yaml)
            Issue.record("accepted: \(yaml)")
        } catch let error as AirlockError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }
}
