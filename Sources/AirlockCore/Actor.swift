/// Who is calling, as established from the socket (SO_PEERCRED) and mapped
/// by the daemon's config to a named principal. Never taken from the message.
public struct Actor: Sendable, Hashable, Codable {
    /// The configured principal name (e.g. "ci-agent"), or "uid:N" when unmapped.
    public var name: String
    /// Roles from the config, used by policy matches.
    public var roles: [String]
    /// Peer credentials of the connecting process.
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The human or team that owns this agent; may never approve its actions.
    public var owner: String?

    public init(name: String, roles: [String] = [], uid: UInt32, gid: UInt32, pid: Int32, owner: String? = nil) {
        self.name = name
        self.roles = roles
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.owner = owner
    }
}
