import ArgumentParser
import Foundation

/// `airlock exec`: one command, confined, no daemon — like bwrap or nsjail,
/// with a profile, limits and a full report of what was enforced.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: ExecCommand.abstract,
        discussion: ExecCommand.discussion)

    @OptionGroup var options: ExecOptions

    func run() throws {
        throw ExitCode(ExecRun(arguments: options.arguments).run())
    }

    static let abstract = "Run one command confined by a sandbox profile."
    static let discussion = """
        The command reads an empty standard input (bind a file with --ro-bind
        to give it data); its output is captured up to the profile's limit,
        then printed.

        Exit status: the command's own, or 128+N when a signal killed it.
        Airlock's own outcomes use codes a command rarely does:
          \(ExitCodes.limitKilled)  a limit (wall clock, CPU time, memory) killed the command
          \(ExitCodes.setupFailed)  the sandbox could not be set up, or the host lacks a required protection
          \(ExitCodes.notExecutable)  the command exists but cannot be executed
          \(ExitCodes.notFound)  the command was not found inside the sandbox
          \(ExitCodes.invalidInput)   invalid flags, profile or bind (nothing was started)
        """

    /// The same command parsed as a root of its own, so that a one-shot
    /// launch doesn't build the whole command tree (see `AirlockMain`).
    struct Standalone: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            // A pseudo-root: usage lines read "airlock exec", and the parser
            // skips its completion-script probe (a second full parse).
            _superCommandName: "airlock",
            abstract: ExecCommand.abstract,
            discussion: ExecCommand.discussion)

        @OptionGroup var options: ExecOptions

        func run() throws {
            throw ExitCode(ExecRun(arguments: options.arguments).run())
        }

        /// Parses and runs, exiting with the command's status directly:
        /// `ExitCode` thrown through the parser would build a help screen
        /// just to print nothing.
        static func runAsRoot(_ arguments: [String]) -> Never {
            if let quick = ExecArguments.quickParse(arguments) {
                finish(ExecRun(arguments: quick).run())
            }
            let status: Int32
            do {
                var parsed = try parseAsRoot(arguments)
                guard let exec = parsed as? Standalone else {
                    try parsed.run()
                    Glibc.exit(EXIT_SUCCESS)
                }
                // After the parse, so a help request is still answered.
                if let flag = ExecArguments.repeatedFlag(in: arguments) {
                    throw ValidationError("\(flag) may be given only once")
                }
                status = ExecRun(arguments: exec.options.arguments).run()
            } catch {
                report(error)
            }
            finish(status)
        }

        /// Ends the process once the result is out: stdio flushed, then
        /// `_exit`, skipping the C++ and runtime teardown `exit` runs (the
        /// sandbox is gone by now and nothing else is left to release).
        private static func finish(_ status: Int32) -> Never {
            fflush(nil)
            _exit(status)
        }

        /// One line for an error, the full help for a help request, with
        /// the hint naming the full command (a pseudo-root's would say
        /// only "exec").
        private static func report(_ error: Error) -> Never {
            CommandLineFailure.exit(error, parsedWith: Standalone.self) {
                $0.replacingOccurrences(of: "See 'exec ", with: "See 'airlock exec ")
            }
        }
    }
}

/// Exit codes of `airlock exec` beyond the command's own.
enum ExitCodes {
    static let invalidInput: Int32 = 64
    static let limitKilled: Int32 = 124
    static let setupFailed: Int32 = 125
    static let notExecutable: Int32 = 126
    static let notFound: Int32 = 127
}
