import AirlockCore
import Foundation

/// The profiles an admin wrote: every `*.yaml` in one directory, by name
/// (the file name without `.yaml`).
///
/// Files are read, parsed and resolved once, at `load`: a catalog is a
/// snapshot, and `resolve(name:)` on the launch path is a lookup. Each
/// profile is judged on its own, so one broken file does not hide the
/// others, and nothing ever runs on a profile with an error.
public struct ProfileCatalog: Sendable {
    public let directory: String
    private let sources: [String: ProfileSource]
    private let reports: [String: ProfileReport]

    /// Profile names in this directory, sorted (abstract ones included).
    public var names: [String] { sources.keys.sorted() }

    /// Reads every `*.yaml` in `directory`.
    public static func load(directory: String) throws -> ProfileCatalog {
        var sources: [String: ProfileSource] = [:]
        for (name, url) in try profileFiles(in: directory) { sources[name] = read(url, name: name) }
        return ProfileCatalog(directory: directory, sources: sources)
    }

    /// The `*.yaml` files in `directory`, by profile name, unread.
    public static func profileFiles(in directory: String) throws -> [String: URL] {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw AirlockError(.invalidConfig, "cannot read the profile directory \(directory): \(error.localizedDescription)")
        }
        var files: [String: URL] = [:]
        for entry in entries where entry.hasSuffix(".yaml") {
            files[String(entry.dropLast(".yaml".count))] = url.appendingPathComponent(entry)
        }
        return files
    }

    /// The profiles that ship in the repository's `Profiles/` folder (see
    /// `ShippedProfiles.directory()` for how it is found).
    public static func shipped() throws -> ProfileCatalog {
        try load(directory: ShippedProfiles.directory())
    }

    /// The resolved profile named `name`. Throws `.unknownProfile` when
    /// there is none, `.invalidProfile` when it (or a parent) has an error
    /// or is abstract.
    public func resolve(name: String) throws -> SandboxProfile {
        try runnable(report(name: name), given: name)
    }

    /// The resolved profile in `file` (`airlock exec --profile FILE`). Its
    /// `extends:` looks for `PARENT.yaml` beside the file first, then in
    /// this catalog.
    public func load(file: String) throws -> SandboxProfile {
        try runnable(report(file: file), given: file)
    }

    /// `resolve(name:)` or `load(file:)`: an argument with a `/` or ending in
    /// `.yaml` is a file.
    public func resolve(nameOrFile: String) throws -> SandboxProfile {
        try runnable(report(nameOrFile: nameOrFile), given: nameOrFile)
    }

    public func report(nameOrFile: String) throws -> ProfileReport {
        Self.isFileReference(nameOrFile) ? try report(file: nameOrFile) : try report(name: nameOrFile)
    }

    public func report(name: String) throws -> ProfileReport {
        guard let report = reports[name] else {
            throw AirlockError(.unknownProfile, "no profile named \(name)\(Suggestion.didYouMean(name, among: names)); available: \(runnableNames.joined(separator: ", "))")
        }
        return report
    }

    public func report(file: String) throws -> ProfileReport {
        try Self.report(file: file) { siblingDirectory in resolver(siblingDirectory: siblingDirectory) }
    }

    /// The report for a profile file, its parents found by `resolver(folder of the file)`.
    static func report(file: String, resolver: (URL) -> ProfileResolver) throws -> ProfileReport {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AirlockError(.unknownProfile, "no profile file at \(file)")
        }
        guard !isDirectory(url) else {
            throw AirlockError(.unknownProfile, "\(file) is a directory, not a profile file")
        }
        let source = read(url, name: url.deletingPathExtension().lastPathComponent)
        return resolver(url.deletingLastPathComponent()).resolve(source)
    }

    /// Names that can be run: every valid profile not marked `abstract:
    /// true`. Offered when a name is unknown or abstract, so never one that
    /// would only fail in turn.
    public var runnableNames: [String] {
        names.filter { reports[$0].map { $0.profile != nil && !$0.isAbstract } ?? false }
    }

    public static func isFileReference(_ argument: String) -> Bool {
        argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml")
    }

    /// The report's profile, if it may run. `given` is the argument as the
    /// user wrote it, for the error's `airlock profile lint` hint: a file's
    /// name alone (`wrongtypes` for `./wrongtypes.yaml`) would be looked up
    /// as a profile in the catalog.
    private func runnable(_ report: ProfileReport, given nameOrFile: String) throws -> SandboxProfile {
        guard let profile = report.profile else {
            throw ProfileValidationError(profile: nameOrFile, diagnostics: report.errors).airlockError
        }
        guard !report.isAbstract else {
            throw AirlockError(.invalidProfile, "profile \(report.name) is abstract (only a parent for other profiles); use one of: \(runnableNames.joined(separator: ", "))")
        }
        return profile
    }

    private func resolver(siblingDirectory: URL?) -> ProfileResolver {
        let sources = sources
        return Self.resolver(available: sources.keys.sorted(), siblingDirectory: siblingDirectory) { sources[$0] }
    }

    /// A resolver that finds a parent `NAME` as `NAME.yaml` beside the file
    /// being resolved (when there is one), else through `lookup`.
    static func resolver(available: [String], siblingDirectory: URL?,
                         lookup: @escaping (String) -> ProfileSource?) -> ProfileResolver {
        ProfileResolver(lookup: { name in
            if let siblingDirectory {
                let sibling = siblingDirectory.appendingPathComponent(name + ".yaml")
                if FileManager.default.fileExists(atPath: sibling.path) {
                    if let problem = untrustedSibling(sibling) {
                        return ProfileSource(name: name, path: DisplayPath.of(sibling), text: "", unreadable: problem)
                    }
                    return Self.read(sibling, name: name)
                }
            }
            return lookup(name)
        }, available: available)
    }

    /// A parent found beside the profile is taken without being named by
    /// path, so it must be as much the caller's as the profile itself: in
    /// /tmp anyone could plant `strict.yaml` next to a profile that
    /// extends `strict`. Owned by the caller or root, writable by no one else.
    static func untrustedSibling(_ url: URL) -> String? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }  // reading it reports the error
        if info.st_uid != geteuid() && info.st_uid != 0 {
            return "this parent, found beside the profile, belongs to uid \(info.st_uid); "
                + "only the caller's or root's files are taken as parents this way"
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "this parent, found beside the profile, is writable by others (mode \(String(info.st_mode & 0o777, radix: 8))); "
                + "make it writable by its owner only"
        }
        return nil
    }

    /// A file that cannot be read is an error of that profile only, so one
    /// bad file does not hide the others.
    static func read(_ url: URL, name: String) -> ProfileSource {
        let path = DisplayPath.of(url)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let why = isDirectory(url) ? "this is a directory, not a profile file" : "cannot read this file (check its permissions)"
            return ProfileSource(name: name, path: path, text: "", unreadable: why)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return ProfileSource(name: name, path: path, text: "", unreadable: "this file is not UTF-8 text")
        }
        return ProfileSource(name: name, path: path, text: text)
    }

    /// A directory reads as no data, like a file that may not be read: the
    /// two need different fixes.
    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private init(directory: String, sources: [String: ProfileSource]) {
        self.directory = directory
        self.sources = sources
        let resolver = Self.resolver(available: sources.keys.sorted(), siblingDirectory: nil) { sources[$0] }
        reports = sources.mapValues { resolver.resolve($0) }
    }
}

/// Paths as an admin wants them in messages: relative to the working
/// directory when the file is beneath it (`Profiles/bad.yaml:12: ...`).
enum DisplayPath {
    static func of(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }
}
