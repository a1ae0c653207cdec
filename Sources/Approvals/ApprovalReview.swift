import Foundation

/// One approver's verdict on one record. A record keeps at most one review
/// per person (the table's primary key), which is what makes a threshold of N
/// mean N distinct people rather than N clicks.
public struct ApprovalReview: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        case approve
        case deny
    }

    /// The configured person name of the approver.
    public var person: String
    /// The socket uid the review came from.
    public var uid: UInt32
    public var verdict: Verdict
    public var reason: String?
    public var at: Date

    public init(person: String, uid: UInt32, verdict: Verdict, reason: String?, at: Date) {
        self.person = person
        self.uid = uid
        self.verdict = verdict
        self.reason = reason
        self.at = at
    }
}
