import AirlockCore
import Foundation

/// Finds the repository's `Profiles/` folder, so an `airlock` built from a
/// clone works without installing anything.
public enum ShippedProfiles {
    /// The environment variable that overrides where profiles are read from.
    public static let environmentVariable = "AIRLOCK_PROFILES_DIR"

    /// In order: `$AIRLOCK_PROFILES_DIR` (an error if it is set but not a
    /// directory: a wrong override must not fall back to other profiles);
    /// a `Profiles/` folder next to the executable or up to four levels
    /// above it (`.build/<triple>/debug/airlock` → the repo), or
    /// `<prefix>/share/airlock/Profiles` for an installed binary; finally the
    /// source tree this file was compiled from.
    public static func directory(environment: [String: String]) throws -> String {
        try directory(override: environment[environmentVariable])
    }

    /// `directory(environment:)` of this process. Reads the one variable
    /// rather than building `ProcessInfo`'s copy of the whole environment,
    /// which a one-shot `airlock exec` would pay for at every start.
    public static func directory() throws -> String {
        try directory(override: getenv(environmentVariable).map { String(cString: $0) })
    }

    private static func directory(override: String?) throws -> String {
        if let override, !override.isEmpty {
            guard isDirectory(override) else {
                throw AirlockError(.invalidConfig, "\(environmentVariable)=\(override) is not a directory; point it at a folder of profile .yaml files or unset it")
            }
            return override
        }
        for candidate in executableCandidates() + [sourceTreeCandidate()] where isDirectory(candidate) {
            return candidate
        }
        throw AirlockError(.invalidConfig, "cannot find the Profiles/ folder; set \(environmentVariable) to the folder of profile .yaml files")
    }

    private static func executableCandidates() -> [String] {
        var executables: [URL] = []
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            executables.append(URL(fileURLWithPath: resolved))
        }
        if let argv0 = CommandLine.arguments.first, argv0.contains("/") {
            executables.append(URL(fileURLWithPath: argv0).standardizedFileURL)
        }
        var candidates: [String] = []
        for executable in executables {
            var folder = executable.deletingLastPathComponent()
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/airlock/Profiles").path)
            for _ in 0..<5 {
                candidates.append(folder.appendingPathComponent("Profiles").path)
                folder.deleteLastPathComponent()
            }
        }
        return candidates
    }

    /// `<repo>/Sources/Sandbox/Profile/ShippedProfiles.swift` → `<repo>/Profiles`.
    private static func sourceTreeCandidate(_ file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Profiles").path
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
