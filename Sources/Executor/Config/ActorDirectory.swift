import AirlockCore

/// Maps the peer uid the kernel reported for a connection (SO_PEERCRED) to
/// a configured principal. Identity never comes from the message.
public struct ActorDirectory: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// nil for the default entry: the actor is then called `uid:N`.
        public var name: String?
        public var roles: [String]
        public var owner: String?

        public init(name: String?, roles: [String] = [], owner: String? = nil) {
            self.name = name
            self.roles = roles
            self.owner = owner
        }
    }

    public var byUID: [UInt32: Entry]
    /// What an unlisted uid becomes; nil means such connections are refused.
    public var defaultEntry: Entry?

    public init(byUID: [UInt32: Entry] = [:], defaultEntry: Entry? = nil) {
        self.byUID = byUID
        self.defaultEntry = defaultEntry
    }

    /// The actor for a peer, or a `forbidden` error an operator can act on.
    public func actor(uid: UInt32, gid: UInt32, pid: Int32) throws -> Actor {
        guard let entry = byUID[uid] ?? defaultEntry else {
            throw AirlockError(.forbidden, "uid \(uid) is not a configured actor and the default actor is 'refuse'; "
                + "an admin can add it under 'actors:' in the daemon config")
        }
        return Actor(name: entry.name ?? "uid:\(uid)", roles: entry.roles, uid: uid, gid: gid, pid: pid, owner: entry.owner)
    }
}
