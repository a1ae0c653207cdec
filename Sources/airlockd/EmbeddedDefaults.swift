import AirlockCore
import Foundation

/// The config and profiles `airlockd` serves when started without
/// `--config`: the repository's Examples/airlock.yaml (whose profiles_dir
/// points at Profiles/), found
/// from this source file's location (a development checkout) or next to the
/// executable (an installed layout: share/airlock beside bin/).
enum EmbeddedDefaults {
    static var candidates: [URL] {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Sources/airlockd
            .deletingLastPathComponent().deletingLastPathComponent()            // repository root
        var roots = [source]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            roots.append(executable)
            roots.append(executable.deletingLastPathComponent().appendingPathComponent("share/airlock"))
        }
        return roots
    }

    static func configFile() throws -> String {
        for root in candidates {
            let file = root.appendingPathComponent("Examples/airlock.yaml").path
            if FileManager.default.fileExists(atPath: file) { return file }
        }
        throw AirlockError(.invalidConfig, "no --config given and no Examples/airlock.yaml found in "
            + candidates.map(\.path).joined(separator: ", "))
    }
}
