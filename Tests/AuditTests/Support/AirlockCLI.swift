import Foundation
import HostCommandSupport
import Testing

/// The built `airlock` binary next to this test binary, as an admin runs it.
enum AirlockCLI {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("airlock")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "airlock must be built next to the test binary (swift build)")
        let finished = try HostCommand.run(binary.path, arguments, stdin: .null)
        return Outcome(status: finished.status, stdout: finished.stdoutText, stderr: finished.stderrText)
    }
}
