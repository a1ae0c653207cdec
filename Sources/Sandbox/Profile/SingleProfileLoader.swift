import AirlockCore
import Foundation

extension ProfileCatalog {
    /// The profile `resolve(nameOrFile:)` would return from the catalog of
    /// `directory`, having read only that profile and the parents its
    /// `extends:` names. A one-shot `airlock exec` runs one profile, and
    /// parsing every profile in the folder costs more than its launch.
    ///
    /// Only a runnable profile is returned from this path. Anything else (an
    /// unknown name, an error in the chain, an abstract profile) is left to
    /// the full catalog, whose messages list and suggest the other profiles:
    /// the errors stay exactly those of `ProfileCatalog`.
    public static func resolveOnly(nameOrFile: String, directory: String) throws -> SandboxProfile {
        let files = try profileFiles(in: directory)
        let available = files.keys.sorted()
        func chainResolver(_ siblingDirectory: URL?) -> ProfileResolver {
            resolver(available: available, siblingDirectory: siblingDirectory) { name in files[name].map { read($0, name: name) } }
        }
        let report: ProfileReport?
        if isFileReference(nameOrFile) {
            report = try? Self.report(file: nameOrFile, resolver: chainResolver)
        } else {
            report = files[nameOrFile].map { chainResolver(nil).resolve(read($0, name: nameOrFile)) }
        }
        if let report, let profile = report.profile, !report.isAbstract { return profile }
        return try load(directory: directory).resolve(nameOrFile: nameOrFile)
    }
}
