import AirlockCore
import AirlockServer
import ArgumentParser
import Foundation

/// `airlock approvals ...`: the approver's side, over the daemon's admin
/// socket. Who approves is whoever runs this command: the daemon reads the
/// uid from the socket, so there is no "--as" option and there cannot be.
///
/// Exit status: 0 done; 1 the daemon refused (not an approver, a reason is
/// required, already decided, expired, unknown id); 125 the admin socket
/// could not be reached.
struct ApprovalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals", abstract: "List, inspect, approve and deny actions waiting for a human.",
        subcommands: [List.self, Show.self, Approve.self, Deny.self, Watch.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List pending approvals (all states with --all).")
        @Flag(name: .long, help: "Every state, not only PENDING.") var all = false
        @Flag(name: .long, help: "Print the records as JSON.") var json = false
        @OptionGroup var admin: AdminConnectionOptions

        func run() throws {
            let result = try admin.request("approvals/list", params: ["all": .bool(all)])
            let records = result["approvals"]?.arrayValue ?? []
            if json { return print(CanonicalJSON.encode(.array(records))) }
            if records.isEmpty { return print(all ? "no approvals" : "no pending approvals") }
            for record in records { print(ApprovalText.line(record)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one approval: the action, who asked, why, and its reviews.")
        @Argument(help: "Approval id (apr-...).") var id: String
        @Flag(name: .long, help: "Print the record as JSON.") var json = false
        @OptionGroup var admin: AdminConnectionOptions

        func run() throws {
            let record = try admin.request("approvals/show", params: ["id": .string(id)])["approval"] ?? .null
            print(json ? CanonicalJSON.encode(record) : ApprovalText.details(record))
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve an action as the user running this command.")
        @OptionGroup var review: ReviewOptions

        func run() throws { try review.send("approvals/approve") }
    }

    struct Deny: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny an action; the reason is passed to the agent.")
        @OptionGroup var review: ReviewOptions

        func run() throws { try review.send("approvals/deny") }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Print pending approvals, then every new one and every state change, until interrupted.")
        @Flag(name: .long, help: "One JSON object per line (the approvals/changed params).") var json = false
        @OptionGroup var admin: AdminConnectionOptions

        func run() throws {
            let client = try admin.connect()
            let result = try admin.checked { try client.request("approvals/watch") }
            for record in result["pending"]?.arrayValue ?? [] {
                print(json ? CanonicalJSON.encode(["event": "pending", "approval": record]) : ApprovalText.line(record))
            }
            fflush(nil)
            while let line = try client.readLine() {
                let message = try CanonicalJSON.parse(line)
                guard message["method"]?.stringValue == "approvals/changed", let params = message["params"] else { continue }
                print(json ? CanonicalJSON.encode(params) : ApprovalText.change(params))
                fflush(nil)
            }
            FileHandle.standardError.write(Data("airlock approvals watch: the daemon closed the admin socket\n".utf8))
            throw ExitCode(125)
        }
    }
}

/// What approve and deny take, and what they print: the record's state afterwards.
struct ReviewOptions: ParsableArguments {
    @Argument(help: "Approval id (apr-...).") var id: String
    @Option(name: .long, help: "Why (required when the rule says so); a denial's reason is passed to the agent verbatim.")
    var reason: String?
    @OptionGroup var admin: AdminConnectionOptions

    func send(_ method: String) throws {
        var params: [String: JSONValue] = ["id": .string(id)]
        if let reason { params["reason"] = .string(reason) }
        let record = try admin.request(method, params: .object(params))["approval"] ?? .null
        let state = record["state"]?.stringValue ?? "?"
        let approvals = record["reviews"]?.arrayValue?.filter { $0["verdict"]?.stringValue == "approve" }.count ?? 0
        let threshold = record["threshold"]?.intValue ?? 1
        print("\(id): \(state)" + (state == "PENDING" ? " (\(approvals) of \(threshold) approvals)" : ""))
    }
}

/// `--admin-socket PATH`, then $AIRLOCK_ADMIN_SOCKET, then the daemon's default.
struct AdminConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Admin socket of airlockd (default: $AIRLOCK_ADMIN_SOCKET, then \(DefaultPaths.adminSocket)).")
    var adminSocket: String?

    var socketPath: String { DefaultPaths.clientAdminSocket(explicit: adminSocket) }

    func connect() throws -> AgentClient {
        do {
            return try AgentClient(socketPath: socketPath,
                                   hint: "pass --admin-socket or set AIRLOCK_ADMIN_SOCKET; the socket's mode decides who may connect")
        } catch let error as AirlockError {
            FileHandle.standardError.write(Data("airlock approvals: \(error.message)\n".utf8))
            throw ExitCode(125)
        }
    }

    /// One request on a fresh connection; a refusal prints its message and exits 1.
    func request(_ method: String, params: JSONValue) throws -> JSONValue {
        let client = try connect()
        return try checked { try client.request(method, params: params) }
    }

    func checked(_ body: () throws -> JSONValue) throws -> JSONValue {
        do {
            return try body()
        } catch let error as AgentClientError {
            FileHandle.standardError.write(Data("airlock approvals: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as AirlockError {
            FileHandle.standardError.write(Data("airlock approvals: \(error.message)\n".utf8))
            throw ExitCode(125)
        }
    }
}

/// How records look on a terminal: one line in lists, a block in `show`.
/// Much of a record is the agent's own text (arguments, reason, tool name):
/// every line goes through `TerminalText.escape`, so control sequences and
/// bidirectional overrides can't rewrite what the approver reads.
enum ApprovalText {
    static func line(_ record: JSONValue) -> String {
        let requester = record["requester"]?["name"]?.stringValue ?? "?"
        let behalf = record["on_behalf_of"]?.stringValue.map { " for \($0)" } ?? ""
        return TerminalText.escape([record["id"]?.stringValue ?? "?", record["state"]?.stringValue ?? "?", record["tool"]?.stringValue ?? "?",
                "by \(requester)\(behalf)", "rule \(record["rule"]?["id"]?.stringValue ?? "?")",
                "expires \(record["expires_at"]?.stringValue ?? "?")"].joined(separator: "  "))
    }

    static func details(_ record: JSONValue) -> String {
        var lines = [
            "approval   \(record["id"]?.stringValue ?? "?")  \(record["state"]?.stringValue ?? "?")",
            "tool       \(record["tool"]?.stringValue ?? "?")",
            "arguments  \(CanonicalJSON.encode(record["arguments"] ?? .null))",
            "requester  \(record["requester"]?["name"]?.stringValue ?? "?") (uid \(record["requester"]?["uid"]?.intValue ?? -1), "
                + "owner \(record["requester"]?["owner"]?.stringValue ?? "none"))",
        ]
        if let behalf = record["on_behalf_of"]?.stringValue { lines.append("for        \(behalf)") }
        if let reason = record["reason"]?.stringValue { lines.append("reason     \(reason)") }
        lines.append("rule       \(record["rule"]?["id"]?.stringValue ?? "?"): \(record["rule"]?["message"]?.stringValue ?? "")")
        lines.append("needs      \(record["threshold"]?.intValue ?? 1) of group \(record["group"]?.stringValue ?? "?")"
            + (record["reason_required"]?.boolValue == true ? ", with a reason" : ""))
        if let facts = record["facts"]?.objectValue, !facts.isEmpty { lines.append("facts      \(CanonicalJSON.encode(.object(facts)))") }
        lines.append("created    \(record["created_at"]?.stringValue ?? "?"), expires \(record["expires_at"]?.stringValue ?? "?")")
        for review in record["reviews"]?.arrayValue ?? [] {
            lines.append("review     \(review["person"]?.stringValue ?? "?") \(review["verdict"]?.stringValue ?? "?")"
                + (review["reason"]?.stringValue.map { ": \($0)" } ?? "") + " at \(review["at"]?.stringValue ?? "?")")
        }
        if let by = record["decided_by"]?.stringValue {
            lines.append("decided    by \(by)" + (record["decision_reason"]?.stringValue.map { ": \($0)" } ?? ""))
        }
        if let note = record["run_note"]?.stringValue { lines.append("run        \(note)") }
        if let id = record["id"]?.stringValue, record["state"]?.stringValue == "PENDING" {
            lines.append("decide     airlock approvals approve \(id) [--reason TEXT] | airlock approvals deny \(id) --reason TEXT")
        }
        return lines.map(TerminalText.escape).joined(separator: "\n")
    }

    static func change(_ params: JSONValue) -> String {
        let record = params["approval"] ?? .null
        let label = params["new_pending"]?.boolValue == true ? "new" : (params["event"]?.stringValue ?? "changed")
        return "\(label): " + line(record)
    }
}
