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
        try directory(override: environment[environmentVariable]).directory
    }

    /// `directory(environment:)` of this process. Reads the one variable
    /// rather than building `ProcessInfo`'s copy of the whole environment,
    /// which a one-shot `airlock exec` would pay for at every start.
    public static func directory() throws -> String {
        try directory(override: getenv(environmentVariable).map { String(cString: $0) }).directory
    }

    /// `directory()`, and every path looked at to find it (a launch image
    /// rests on them: a Profiles/ folder appearing where none was, earlier
    /// in the search, would be found first).
    public static func directoryAndSearch() throws -> (directory: String, searched: [String]) {
        try directory(override: getenv(environmentVariable).map { String(cString: $0) })
    }

    private static func directory(override: String?) throws -> (directory: String, searched: [String]) {
        if let override, !override.isEmpty {
            guard isDirectory(override) else {
                throw AirlockError(.invalidConfig, "\(environmentVariable)=\(override) is not a directory; point it at a folder of profile .yaml files or unset it")
            }
            return (override, [override])
        }
        var searched: [String] = []
        for executable in executablePaths() {
            if let found = installedOrRepositoryFolder(near: executable, searched: &searched) { return (found, searched) }
        }
        let fromSource = sourceTreeCandidate()
        searched.append(fromSource)
        if isDirectory(fromSource) { return (fromSource, searched) }
        throw AirlockError(.invalidConfig, "cannot find the Profiles/ folder; set \(environmentVariable) to the folder of profile .yaml files")
    }

    /// The running executable, resolved and as invoked (absolute paths).
    /// Plain path strings, not `URL`s: this runs at every `airlock exec`.
    private static func executablePaths() -> [String] {
        var paths: [String] = []
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            paths.append(String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        if let argv0 = CommandLine.arguments.first, argv0.contains("/") {
            paths.append(SandboxPaths.normalized(argv0, relativeTo: FileManager.default.currentDirectoryPath))
        }
        return paths
    }

    /// `<prefix>/share/airlock/Profiles` for `<prefix>/bin/airlock`, else the
    /// first `Profiles/` next to the executable or up to four levels above.
    private static func installedOrRepositoryFolder(near executable: String, searched: inout [String]) -> String? {
        var folder = parent(of: executable)
        let installed = parent(of: folder) + "/share/airlock/Profiles"
        searched.append(installed)
        if isDirectory(installed) { return installed }
        for _ in 0..<5 {
            let candidate = (folder == "/" ? "" : folder) + "/Profiles"
            searched.append(candidate)
            if isDirectory(candidate) { return candidate }
            folder = parent(of: folder)
        }
        return nil
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `<repo>/Sources/Sandbox/Profile/ShippedProfiles.swift` → `<repo>/Profiles`.
    private static func sourceTreeCandidate(_ file: String = #filePath) -> String {
        var folder = file
        for _ in 0..<4 { folder = parent(of: folder) }
        return (folder == "/" ? "" : folder) + "/Profiles"
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
