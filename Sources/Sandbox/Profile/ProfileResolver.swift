/// The text of one profile and where it came from.
struct ProfileSource: Sendable, Hashable {
    var name: String
    /// The path shown in diagnostics (relative to the working directory when beneath it).
    var path: String
    var text: String
    /// Why the file could not be read as text, if it could not.
    var unreadable: String? = nil
}

/// Everything the loader found out about one profile: the resolved profile
/// when it is valid, and every error otherwise. `airlock profile lint` shows
/// the diagnostics; everything that runs goes through `ProfileCatalog`,
/// which refuses a profile with any error.
public struct ProfileReport: Sendable {
    public var name: String
    public var file: String
    /// `abstract: true`: valid as a parent, never run directly.
    public var isAbstract: Bool
    /// The `extends:` chain, this profile first, the root last.
    public var chain: [String]
    /// Nil when there is any error.
    public var profile: SandboxProfile?
    public var diagnostics: [ProfileDiagnostic]

    public var errors: [ProfileDiagnostic] { diagnostics.filter { $0.severity == .error } }
    /// Findings that do not stop the profile (see `ProfileLinter`).
    public var warnings: [ProfileDiagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// Follows `extends:` from a profile to its root, then merges root first.
struct ProfileResolver {
    /// Finds a parent by name; nil when there is none.
    var lookup: (String) -> ProfileSource?
    /// Names offered when a parent is missing.
    var available: [String]

    func resolve(_ source: ProfileSource) -> ProfileReport {
        var log = DiagnosticLog()
        var documents: [ProfileDocument] = []
        var next: ProfileSource? = source
        if !ProfileNames.isValid(source.name) {
            log.error(SourceLocation(file: source.path, line: 1, field: ""),
                      "\"\(source.name)\" is not a profile name (\(ProfileNames.rule)); rename the file")
        }
        while let current = next {
            if let unreadable = current.unreadable {
                log.error(SourceLocation(file: current.path, line: 1, field: ""), unreadable)
                break
            }
            let (document, diagnostics) = ProfileDocumentParser.parse(name: current.name, file: current.path, text: current.text)
            log.append(contentsOf: diagnostics)
            documents.append(document)
            next = nil
            guard let parent = document.extends else { break }
            let visited = documents.map(\.name)
            if visited.contains(parent.value) {
                let cycle = (visited + [parent.value]).joined(separator: " → ")
                log.error(parent.location, "extends forms a cycle: \(cycle)")
                break
            }
            guard let parentSource = lookup(parent.value) else {
                let names = available.joined(separator: ", ")
                log.error(parent.location, "no profile named \(parent.value)\(Suggestion.didYouMean(parent.value, among: available)); available: \(names)")
                break
            }
            next = parentSource
        }

        var report = ProfileReport(name: source.name, file: source.path, isAbstract: documents.first?.abstract ?? false,
                                   chain: documents.map(\.name), profile: nil, diagnostics: log.entries)
        guard !log.hasErrors else { return report }

        var merger = ProfileMerger(draft: ProfileDraft(), log: log)
        for var document in documents.reversed() {
            if document.extends == nil, !document.removals.isEmpty {
                merger.log.error(SourceLocation(file: document.file, line: 1, field: "remove"),
                                 "remove: takes things away from a parent, and this profile extends none")
                document.removals = ProfileRemovals()
            }
            merger.apply(document)
        }
        var finalizer = ProfileFinalizer(log: merger.log)
        let profile = finalizer.finalize(merger.draft, name: source.name, file: source.path)
        report.diagnostics = finalizer.log.entries
        report.profile = finalizer.log.hasErrors ? nil : profile
        if !finalizer.log.hasErrors {
            report.diagnostics += ProfileLinter.warnings(merger.draft, profile: profile, leafFile: source.path)
        }
        return report
    }
}
