import Crypto

/// What the auditor brings to `verify` from outside the database, each of
/// which the database alone can't vouch for.
public struct VerifyOptions {
    /// The daemon's exported checkpoint key(s). `nil`: the keys recorded in
    /// the database (self-asserted: whoever rewrote the file could replace
    /// them), and then missing checkpoints are not held against the trail.
    public var trustedKeys: [Curve25519.Signing.PublicKey]?
    /// Heads the trail is known to have reached (anchor file lines,
    /// `--expect-head`).
    public var anchors: [ChainAnchor]
    /// The store id the auditor expects: a different or re-created
    /// database is then named as such.
    public var storeID: String?

    public init(trustedKeys: [Curve25519.Signing.PublicKey]? = nil, anchors: [ChainAnchor] = [], storeID: String? = nil) {
        self.trustedKeys = trustedKeys
        self.anchors = anchors
        self.storeID = storeID
    }
}
