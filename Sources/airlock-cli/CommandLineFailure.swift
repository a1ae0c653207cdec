import AirlockCore
import ArgumentParser
import Foundation

/// How every `airlock` command ends on an error the parser sees (bad flags,
/// a failed validation, an error thrown by `run`): one line on stderr that
/// says what is wrong and where the help is, and the parser's exit code.
/// ArgumentParser's own report adds a usage block (the whole help screen
/// when no argument was given), which buries the one line that matters to
/// a user or a script reading stderr. Help and completion requests still
/// print in full, on stdout.
enum CommandLineFailure {
    /// Reports `error` as `parser` (the root the arguments were parsed
    /// with) would classify it, then exits.
    static func exit<Root: ParsableCommand>(_ error: Error, parsedWith parser: Root.Type,
                                           helpNames rename: (String) -> String = { $0 }) -> Never {
        let code = parser.exitCode(for: error)
        let full = rename(parser.fullMessage(for: error))
        if code == .success {
            if !full.isEmpty { FileHandle.standardOutput.write(Data((full + "\n").utf8)) }
            Glibc.exit(code.rawValue)
        }
        // Airlock's own errors read as their message: the code in front of
        // it ("invalid_profile: ...") is for programs reading JSON.
        let message = (error as? AirlockError)?.message ?? parser.message(for: error)
        if let line = oneLine(message, helpHint: helpHint(in: full)) {
            FileHandle.standardError.write(Data(("airlock: " + line + "\n").utf8))
        }
        Glibc.exit(code.rawValue)
    }

    /// The message's first line (the parser appends an argument's help text
    /// on further lines), with the hint after it; nil for a message-less
    /// error (an `ExitCode` a command threw after printing its own report).
    static func oneLine(_ message: String, helpHint: String?) -> String? {
        let first = message.split(separator: "\n", maxSplits: 1).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard !first.isEmpty else { return nil }
        guard let helpHint else { return first }
        return first + " (" + helpHint + ")"
    }

    /// "see 'airlock profile explain --help'", taken from the parser's
    /// full report, which knows the path of the command that failed.
    static func helpHint(in fullMessage: String) -> String? {
        guard let start = fullMessage.range(of: "See '"),
              let end = fullMessage[start.upperBound...].range(of: "'") else { return nil }
        return "see '" + fullMessage[start.upperBound..<end.lowerBound] + "'"
    }
}
