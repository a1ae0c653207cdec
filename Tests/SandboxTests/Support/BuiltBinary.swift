import Foundation
import HostCommandSupport

/// Runs an executable this package builds (they sit beside the test
/// binary in .build/debug) and captures its output.
enum BuiltBinary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func path(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let finished = try HostCommand.run(path(name), arguments, environment: environment, stdin: .null)
        return Output(status: finished.status, stdout: finished.stdoutText, stderr: finished.stderrText)
    }
}
