import Foundation
import Testing

/// Every `airlock` command, not only `exec`, reports bad input as one line
/// on stderr that starts with the program's name and reads as a sentence
/// (no usage block, no machine code in front of the message).
@Suite struct CommandLineErrorTests {
    @Test(arguments: [
        (["profile", "show", "no-such-profile"], "airlock: no profile named no-such-profile"),
        (["profile", "explain"], "airlock: Missing expected argument '<profile>' (see 'airlock profile explain --help')"),
        (["no-such-command"], "airlock: Unexpected argument 'no-such-command' (see 'airlock --help')"),
        (["audit", "verify", "--no-such-flag"], "airlock: Unknown option '--no-such-flag' (see 'airlock audit verify --help')"),
    ])
    func badInputIsOneLine(arguments: [String], start: String) throws {
        let out = try BuiltBinary.run("airlock", arguments)
        #expect(out.status != 0)
        #expect(out.stderr.hasPrefix(start), "stderr: \(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "stderr: \(out.stderr)")
        #expect(out.stdout.isEmpty, "stdout: \(out.stdout)")
    }

    @Test func helpStillPrintsInFullOnStdout() throws {
        let out = try BuiltBinary.run("airlock", ["profile", "--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("USAGE: airlock profile <subcommand>"))
        #expect(out.stderr.isEmpty)
    }
}
