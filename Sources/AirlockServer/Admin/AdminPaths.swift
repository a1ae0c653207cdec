import Foundation

/// Where the admin socket lives when the config does not say: next to the
/// agent socket in the same runtime directory, so one rule finds both.
extension DefaultPaths {
    public static var adminSocket: String { runtimeDirectory + "/admin.sock" }

    /// `--admin-socket`, then $AIRLOCK_ADMIN_SOCKET, then the default.
    public static func clientAdminSocket(explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["AIRLOCK_ADMIN_SOCKET"], !env.isEmpty { return env }
        return adminSocket
    }
}
