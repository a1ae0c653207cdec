import Foundation

/// A fresh path under the temporary directory for one test.
func freshDirectory(_ label: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
}
