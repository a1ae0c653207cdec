import Foundation
@testable import Sandbox

/// A throwaway profile directory for one test: files are written into a
/// fresh temporary folder, and diagnostics name them as `DIR/NAME.yaml`.
struct ProfileFixtures {
    let directory: URL

    init(_ files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("airlock-profile-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name + ".yaml"), atomically: true, encoding: .utf8)
        }
    }

    func catalog() throws -> ProfileCatalog { try ProfileCatalog.load(directory: directory.path) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name + ".yaml").path }

    /// The report for `name` from a catalog of these files.
    func report(_ name: String) throws -> ProfileReport { try catalog().report(name: name) }

    /// The error lines for `name`, each `FILE:LINE: FIELD: MESSAGE`.
    func errors(_ name: String) throws -> [String] { try report(name).errors.map(\.description) }

    /// A minimal runnable profile body, for tests about one other setting.
    static let runnable = """
        seccomp:
          allow: ["@default", "@basic-io", "@file-system"]
        """
}
