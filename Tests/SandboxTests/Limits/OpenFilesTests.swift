import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Opening descriptors until the kernel refuses: the open-files limit holds
/// (RLIMIT_NOFILE). A refused open is an errno the process handles, which
/// the engine can't observe without tracing every call, so `limitsHit` does
/// not list it, and the manifest says so (`limitsUnobserved`).
@Suite("Open files", .timeLimit(.minutes(3)))
struct OpenFilesTests {
    static let openUntilRefused = """
        import errno, sys
        held = []
        try:
            while len(held) < 100000:
                held.append(open('/dev/null'))
        except OSError as error:
            print('refused', errno.errorcode[error.errno], 'after', len(held))
        """

    @Test func openFilesLimitHolds() throws {
        let profile = Fixtures.profile(name: "test-nofile", limits: ResourceLimits(wallSeconds: 20, openFiles: 32))
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/usr/bin/python3", "-c", Self.openUntilRefused]),
                                                     profile: profile)
        let words = result.stdout.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        try #require(words.count == 4 && words[0] == "refused", "stdout: \(result.stdout.text) stderr: \(result.stderr.text)")
        #expect(words[1] == "EMFILE")
        // 0, 1, 2 and python's own descriptors come out of the same 32.
        #expect(Int(words[3]).map { $0 < 32 } == true)
        #expect(!result.limitsHit.contains { $0.kind == .openFiles })
        #expect(result.manifest.limitsUnobserved.contains("open_files"), "\(result.manifest.limitsUnobserved)")
        let controllers = Set(result.manifest.cgroupControllers)
        #expect(result.manifest.limitsUnobserved.contains("memory") == !controllers.contains("memory"))
    }
}
