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

@Suite struct DebugDump {
    @Test func timing() throws {
        let p = Fixtures.profile(record: [])
        let req = LaunchRequest(argv: ["/bin/true"])
        for _ in 0..<20 { _ = try Fixtures.engine.runBlocking(req, profile: p) }
        var samples: [Double] = []
        for _ in 0..<200 {
            let s = DispatchTime.now().uptimeNanoseconds
            _ = try Fixtures.engine.runBlocking(req, profile: p)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6)
        }
        samples.sort()
        print("launch ms p50 \(samples[100]) p90 \(samples[180])")
    }
}
