extension ServerSettings {
    /// The admin socket's settings when the config gives none. It reuses the
    /// agent socket's type for what both have (path, mode, group, framing and
    /// slow-reader limits, connection cap; the per-call fields are unused)
    /// with defaults for the people who use it: mode 0600 so only the
    /// daemon's user connects until an admin widens it with a group, short
    /// request lines, few connections (and fewer per approver).
    public static var adminDefaults: ServerSettings {
        ServerSettings(socketMode: 0o600, frameLimitBytes: 64 << 10, outboundLimitBytes: 8 << 20, maxConnections: 32,
                       maxConnectionsPerUID: 8)
    }
}
