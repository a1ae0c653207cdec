/// A human who may review actions, as named in the daemon's config. The
/// admin socket tells us the caller's uid; this maps it to a person, and the
/// person (not the uid) is what counts toward a threshold, so one human with
/// two accounts is still one approval.
public struct Approver: Sendable, Hashable, Codable {
    public var uid: UInt32
    public var person: String
    public var groups: [String]

    public init(uid: UInt32, person: String, groups: [String]) {
        self.uid = uid
        self.person = person
        self.groups = groups
    }
}
