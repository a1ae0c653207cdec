import AirlockCore
import ArgumentParser
import Foundation
import Sandbox
import Testing
@testable import airlock_cli

/// `airlock exec` reads its flags without ArgumentParser when they are
/// spelled plainly. The quick reader must agree with ArgumentParser on
/// everything it accepts, and hand everything else over.
@Suite struct ExecArgumentsTests {
    static let accepted: [[String]] = [
        ["--", "true"],
        ["--profile", "shell", "--", "sh", "-c", "echo --json"],
        ["--profile=shell", "--json", "--timeout", "2s", "--memory=64M", "--", "true"],
        ["--ro-bind", "/usr", "--ro-bind=/etc:/host-etc", "--bind", "/tmp:/t", "--workdir", "/t", "--", "ls", "--", "-l"],
        ["--env", "A=1", "--env=B==2", "--", "env"],
        ["--timeout=1.5", "--", "true"],
    ]

    static let handedOver: [[String]] = [
        [],                                              // no command
        ["--profile", "shell"],                          // no `--`
        ["--help"], ["-h"], ["--"],                      // help; empty command
        ["--bogus", "x", "--", "true"],                  // unknown flag
        ["--profile", "--", "true"],                     // missing value
        ["--profile", "-x", "--", "true"],               // value that looks like a flag
        ["--profile", "a", "--profile", "b", "--", "true"], // repeated single value
        ["--json=true", "--", "true"],                   // a flag given a value
        ["--timeout=-3", "--", "true"],                  // invalid values: ArgumentParser reports them
        ["--memory", "12QB", "--", "true"],
        ["--env", "NOEQUALS", "--", "true"],
        ["--env", "1A=x", "--", "true"],                 // a name profiles refuse
        ["--env=A-B=x", "--", "true"],
        ["--workdir", "relative", "--", "true"],          // not an absolute path
        ["--json", "--json", "--", "true"],
        ["--timeout=1", "--timeout", "2", "--", "true"],
        ["positional", "--", "true"],
    ]

    @Test(arguments: accepted)
    func agreesWithArgumentParser(arguments: [String]) throws {
        let quick = try #require(ExecArguments.quickParse(arguments))
        let parsed = try ExecCommand.Standalone.parse(arguments)
        #expect(quick == parsed.options.arguments)
    }

    @Test(arguments: handedOver)
    func handsAnythingUnusualToArgumentParser(arguments: [String]) {
        #expect(ExecArguments.quickParse(arguments) == nil)
    }

    /// ArgumentParser keeps the last of a repeated single value; both
    /// readers refuse the repeat, found by `repeatedFlag` whatever the
    /// spelling, and only before the command.
    @Test(arguments: [
        (["--profile", "a", "--profile", "b", "--", "true"], "--profile"),
        (["--workdir=/a", "--workdir", "/b", "--", "true"], "--workdir"),
        (["--timeout", "1", "--json", "--timeout=2", "--", "true"], "--timeout"),
        (["--memory=1G", "--memory=2G"], "--memory"),
        (["--json", "--help", "--json"], "--json"),
        (["--ro-bind", "/a", "--ro-bind", "/b", "--env", "A=1", "--env", "B=2", "--", "true"], nil),
        (["--profile", "a", "--", "cmd", "--profile", "b"], nil),
        (["--profile", "a", "--", "--", "--profile", "b"], nil),
    ] as [([String], String?)])
    func findsARepeatedSingleValueFlag(arguments: [String], flag: String?) {
        #expect(ExecArguments.repeatedFlag(in: arguments) == flag)
    }

    /// The source is normalized against the given directory; it is the
    /// destination too unless one is given.
    @Test func aBindSourceIsNormalized() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-bind-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/w", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try ExecRun.bind("./w/", relativeTo: dir) == BindMount(source: dir + "/w", destination: dir + "/w"))
        #expect(try ExecRun.bind("x/../w:/inside", relativeTo: dir) == BindMount(source: dir + "/w", destination: "/inside"))
        // A ':' with nothing after it is a mistake, not "same path inside".
        #expect { try ExecRun.bind("./w:", relativeTo: dir) } throws: {
            ($0 as? AirlockError)?.message.contains("names no destination") == true
        }
        #expect(throws: AirlockError(.invalidArguments, "bind source ./nope does not exist")) {
            try ExecRun.bind("./nope", relativeTo: dir)
        }
    }

    /// Every refusal of ArgumentParser's is among the handed-over cases.
    @Test func acceptsNothingArgumentParserRefuses() {
        for arguments in Self.handedOver {
            if (try? ExecCommand.Standalone.parse(arguments)) == nil {
                #expect(ExecArguments.quickParse(arguments) == nil, "\(arguments)")
            }
        }
    }
}
