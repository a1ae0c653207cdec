/// The payload of an action token. Every claim narrows what the token is
/// good for: one actor (`sub`), one tool (`aud`), one exact action (`act`),
/// one approval (`apr`), one use (`jti`), a few seconds (`nbf`..`exp`).
public struct ActionTokenClaims: Sendable, Hashable, Codable {
    /// The daemon that minted it.
    public var iss: String
    /// The actor whose call this is.
    public var sub: String
    /// The tool the token is for.
    public var aud: String
    /// sha256 of the canonical tool + arguments (`ToolCall.actionDigest`).
    public var act: String
    /// The approval that allowed the run, when one was needed.
    public var apr: String?
    /// Unique token id; a used one is refused.
    public var jti: String
    /// Issued at, not before, expires: seconds since 1970.
    public var iat: Int64
    public var nbf: Int64
    public var exp: Int64

    public init(iss: String, sub: String, aud: String, act: String, apr: String?, jti: String,
                iat: Int64, nbf: Int64, exp: Int64) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.act = act
        self.apr = apr
        self.jti = jti
        self.iat = iat
        self.nbf = nbf
        self.exp = exp
    }
}
