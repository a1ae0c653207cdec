import Foundation

/// Where the daemon listens when the config does not say: root uses
/// /run/airlock (the FHS runtime directory), anyone else their
/// $XDG_RUNTIME_DIR, falling back to a per-uid directory under /tmp. The
/// client uses the same rule, so `airlock call` finds a default daemon.
public enum DefaultPaths {
    public static var runtimeDirectory: String {
        let uid = getuid()
        if uid == 0 { return "/run/airlock" }
        if let xdg = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !xdg.isEmpty { return xdg + "/airlock" }
        return "/tmp/airlock-\(uid)"
    }

    public static var agentSocket: String { runtimeDirectory + "/agent.sock" }

    /// `--socket`, then $AIRLOCK_SOCKET, then the default.
    public static func clientSocket(explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["AIRLOCK_SOCKET"], !env.isEmpty { return env }
        return agentSocket
    }
}
