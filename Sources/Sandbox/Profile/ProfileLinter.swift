import Foundation

/// Warnings about valid profiles: settings that are allowed but weaken
/// confinement or look like mistakes. They never stop a profile from
/// running; `airlock profile lint` shows them so an admin decides with open
/// eyes.
enum ProfileLinter {
    /// System paths a writable bind would let the command change on the host.
    static let systemPaths = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/proc",
                              "/sys", "/dev", "/root", "/run", "/var/lib", "/var/run", "/var/log"]
    /// Host paths whose contents are secrets or control sockets.
    static let secretPaths = ["/root", "/home", "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/run", "/var/run",
                              "/var/lib", "/proc", "/sys", "/dev"]
    /// Whole trees that are far more than any tool needs.
    static let broadPaths = ["/", "/etc", "/var", "/home"]

    static func warnings(_ draft: ProfileDraft, profile: SandboxProfile, leafFile: String) -> [ProfileDiagnostic] {
        var warnings: [ProfileDiagnostic] = []
        func warn(_ location: SourceLocation, _ message: String) { warnings.append(ProfileDiagnostic(.warning, location, message)) }
        let settings = draft.settings

        if let network = settings.network, network.value == .host {
            warn(network.location, "host: the command shares this host's network and can reach everything the host can; prefer none or loopback unless talking to the network is the tool's job")
        }
        // Judged by where the source leads (a symlink to /proc is /proc),
        // and named as written with where it leads.
        func place(_ source: String) -> (path: String, shown: String) {
            guard let resolved = realpath(source, nil) else { return (source, source) }
            defer { free(resolved) }
            let real = String(cString: resolved)
            return real == source ? (source, source) : (real, "\(source) (\(real))")
        }
        for bind in settings.writable {
            let (path, shown) = place(bind.value.source)
            if broadPaths.contains(path) || systemPaths.contains(where: { SandboxPaths.isWithin(path, $0) }) {
                warn(bind.location, "\(shown) is a system path bound writable: what the command writes there changes this host")
            }
        }
        for bind in settings.readOnly {
            let (path, shown) = place(bind.value.source)
            if broadPaths.contains(path) {
                warn(bind.location, "\(shown) exposes a whole tree of the host; bind only the files the tool needs")
            } else if secretPaths.contains(where: { SandboxPaths.isWithin(path, $0) }) {
                warn(bind.location, "\(shown) may expose host secrets, devices or control sockets (read-only does not stop "
                    + "connect() to a socket in it); bind it only if the tool must have it")
            }
        }
        let large: [(Bool, SourceLocation?, String)] = [
            (profile.limits.wallSeconds > 3600, settings.wallSeconds?.location, "a wall-clock limit above 1h"),
            (profile.limits.cpuSeconds > 3600, settings.cpuSeconds?.location, "a CPU limit above 1h"),
            (profile.limits.memoryBytes > 8 << 30, settings.memoryBytes?.location, "a memory limit above 8G"),
            (profile.limits.processes > 4096, settings.processes?.location, "more than 4096 processes"),
            (profile.limits.outputBytes > 64 << 20, settings.outputBytes?.location, "more than 64M of output per stream"),
            (profile.limits.fileSizeBytes > 16 << 30, settings.fileSizeBytes?.location, "files larger than 16G"),
            (profile.limits.openFiles > 65536, settings.openFiles?.location, "more than 65536 open files"),
        ]
        for (isLarge, location, what) in large where isLarge {
            warn(location ?? SourceLocation(file: leafFile, line: 1, field: "limits"), "\(what) lets one runaway command starve the host")
        }
        for (path, size) in settings.tmpfs where size.value > 8 << 30 {
            warn(size.location, "a \(ProfileUnits.formatSize(size.value)) tmpfs at \(path) is memory the host may not have")
        }
        if profile.record.isEmpty {
            warn(SourceLocation(file: leafFile, line: 1, field: "record"), "nothing is recorded; record at least execve so the audit trail shows what ran")
        }
        return warnings
    }
}
