import Foundation
import Testing

/// Kernel features a test depends on. Off CI a missing feature cancels the
/// test with a message naming it (the test did not run, it did not pass);
/// under `CI=true` it fails, so a CI host that lost a protection can never
/// turn the suite green by skipping.
enum HostRequirement {
    static func require(_ available: Bool, _ missing: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if available { return }
        if Fixtures.isCI {
            try #require(available, "CI host lacks a required kernel feature: \(missing)", sourceLocation: sourceLocation)
        }
        try Test.cancel("skipped: \(missing)", sourceLocation: sourceLocation)
    }
}
