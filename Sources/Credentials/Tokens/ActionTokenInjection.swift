/// Where a confined run finds its action token: the same names for every
/// tool, so a tool (or the client library it uses) needs no configuration.
public enum ActionTokenInjection {
    /// The environment variable that carries the compact JWS.
    public static let environmentVariable = "AIRLOCK_TOKEN"
    /// The read-only file inside the sandbox that holds the same token, for
    /// tools that scrub or log their environment.
    public static let filePath = "/run/airlock/token"
}
