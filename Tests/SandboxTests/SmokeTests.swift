import AirlockCore
import Foundation
import Testing
@testable import Sandbox

@Suite struct SmokeTests {
    @Test func runsACommandAndCapturesOutput() throws {
        let result = try Fixtures.sh("echo hello; echo oops >&2; exit 3")
        #expect(result.stdout.text == "hello\n")
        #expect(result.stderr.text == "oops\n")
        #expect(result.exitCode == 3)
        #expect(result.termination == .exited)
    }
}
