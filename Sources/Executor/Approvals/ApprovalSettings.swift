import AirlockCore
import Approvals
import Foundation

/// The `approvers:` section of the daemon config, which `ConfigLoader`
/// keeps as raw JSON for this module:
///
///     approvers:
///       database: /var/lib/airlock/approvals.sqlite   # relative to the config file
///       expiry_seconds: 900        # not decided and run this long after the request → EXPIRED (a refusal); default 15 min
///       max_pending_per_agent: 20  # more open requests from one agent are refused as busy
///       wait_seconds: 120          # how long tools/call waits before answering "pending"
///       admin_socket:              # the approver socket; defaults beside the agent socket, 0600
///         path: /run/airlock/admin.sock
///         mode: "0660"
///         group: airlock-approvers
///       people:
///         - { uid: 1001, person: alice, groups: [oncall] }
///
/// Without the section there is no approval flow, and `review` decisions
/// are refused (the pipeline's fail-closed default).
public struct ApprovalSettings: Sendable {
    public var config: ApprovalConfig
    public var databasePath: String
    public var wait: Duration
    /// Path (nil: the default), mode and group of the admin socket.
    public var adminSocket: ServerSettings

    static let keys: Set<String> = ["database", "expiry_seconds", "max_pending_per_agent", "wait_seconds", "admin_socket", "people"]

    /// nil when the config has no `approvers:` section.
    /// `defaultDatabase` is used when the section names no `database`.
    public static func parse(_ json: JSONValue?, configFile: String, defaultDatabase: String? = nil) throws -> ApprovalSettings? {
        guard let json, !json.isNull else { return nil }
        let section = try object(json, "approvers")
        try only(section, keys, "approvers")
        guard let database = section["database"].map({ $0.stringValue }) ?? defaultDatabase,
              !database.isEmpty, !database.hasSuffix("/") else {
            throw AirlockError(.invalidConfig, "approvers.database must name the approval queue's SQLite file")
        }
        let directory = URL(fileURLWithPath: configFile).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: ConfigLoader.resolve(database, against: directory), isDirectory: &isDirectory),
           isDirectory.boolValue {
            throw AirlockError(.invalidConfig, "approvers.database names a folder; name the approval queue's SQLite file in it")
        }
        let people = try (section["people"]?.arrayValue ?? []).enumerated().map { index, item in
            try approver(item, "approvers.people[\(index)]")
        }
        guard !people.isEmpty else {
            throw AirlockError(.invalidConfig, "approvers.people is empty: nobody could approve, every review would expire")
        }
        let expiry = try seconds(section["expiry_seconds"], "approvers.expiry_seconds") ?? ApprovalConfig.defaultExpiry
        let cap = section["max_pending_per_agent"]
        guard cap == nil || (cap?.intValue).map({ $0 > 0 && $0 <= 100_000 }) == true else {
            throw AirlockError(.invalidConfig, "approvers.max_pending_per_agent must be a whole number from 1 to 100000")
        }
        return ApprovalSettings(
            config: try ApprovalConfig(approvers: people, expiry: expiry,
                                       maxPendingPerAgent: (cap?.intValue).map(Int.init) ?? ApprovalConfig.defaultMaxPendingPerAgent),
            databasePath: ConfigLoader.resolve(database, against: directory),
            wait: try seconds(section["wait_seconds"], "approvers.wait_seconds") ?? StoreApprovalGate.defaultWait,
            adminSocket: try adminSocket(section["admin_socket"], directory: directory))
    }

    static func approver(_ item: JSONValue, _ path: String) throws -> Approver {
        let entry = try object(item, path)
        try only(entry, ["uid", "person", "groups"], path)
        guard let uid = entry["uid"]?.intValue, uid >= 0, uid <= Int64(UInt32.max) else {
            throw AirlockError(.invalidConfig, "\(path).uid must be a uid")
        }
        guard let person = entry["person"]?.stringValue, !person.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AirlockError(.invalidConfig, "\(path).person must name the human behind uid \(uid)")
        }
        guard let items = entry["groups"]?.arrayValue, !items.isEmpty, items.allSatisfy({ $0.stringValue?.isEmpty == false }) else {
            throw AirlockError(.invalidConfig, "\(path).groups must list the approver groups of \(person), as names")
        }
        let groups = items.compactMap(\.stringValue)
        return Approver(uid: UInt32(uid), person: person, groups: groups)
    }

    static func adminSocket(_ json: JSONValue?, directory: String) throws -> ServerSettings {
        var settings = ServerSettings.adminDefaults
        guard let json, !json.isNull else { return settings }
        let section = try object(json, "approvers.admin_socket")
        try only(section, ["path", "mode", "group"], "approvers.admin_socket")
        if let path = section["path"] {
            guard let text = path.stringValue, !text.isEmpty else {
                throw AirlockError(.invalidConfig, "approvers.admin_socket.path must name the socket file")
            }
            settings.socketPath = ConfigLoader.resolve(text, against: directory)
        }
        if let mode = section["mode"] {
            guard let text = mode.stringValue, let value = UInt32(text, radix: 8), value <= 0o777 else {
                throw AirlockError(.invalidConfig, "approvers.admin_socket.mode is an octal string such as \"0600\"")
            }
            settings.socketMode = value
        }
        if let group = section["group"] {
            // A name or a gid, as server.socket_group takes it.
            guard let text = group.stringValue ?? group.intValue.flatMap({ $0 >= 0 ? String($0) : nil }), !text.isEmpty else {
                throw AirlockError(.invalidConfig, "approvers.admin_socket.group must be a group name or gid")
            }
            settings.socketGroup = text
        }
        return settings
    }

    static func seconds(_ json: JSONValue?, _ path: String) throws -> Duration? {
        guard let json, !json.isNull else { return nil }
        guard let value = json.doubleValue, value > 0, value <= 7 * 86_400 else {
            throw AirlockError(.invalidConfig, "\(path) must be a positive number of seconds (at most a week)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    static func object(_ json: JSONValue, _ path: String) throws -> [String: JSONValue] {
        guard let object = json.objectValue else {
            throw AirlockError(.invalidConfig, "\(path) must be a mapping, got \(json.typeName)")
        }
        return object
    }

    /// Unknown keys are errors, as everywhere in the config.
    static func only(_ object: [String: JSONValue], _ allowed: Set<String>, _ path: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AirlockError(.invalidConfig, "\(path).\(unknown) is not a setting; known: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}
