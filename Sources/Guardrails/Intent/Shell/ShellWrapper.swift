/// A program that runs another command (`sudo`, `env`, `timeout`, `flock`,
/// `su`...), and how its arguments say which one.
///
/// A wrapper's options are read the way the wrapper reads them, with every
/// spelling getopt accepts: `-uroot`, `--user=root`, `--us root`, clusters.
/// Reading only whole words once let `env -S"rm -rf ~"` and `exec -a x rm`
/// pass as harmless, because the command was looked for in the wrong word.
/// The option tables are complete, so an option a table does not know is
/// reported (the call is unparsed) rather than guessed at; the guess, that it
/// takes no value, is still analysed, so that what it reveals still counts.
struct ShellWrapper: Sendable {
    /// How the arguments after the options name what runs.
    enum Runs: Sendable {
        /// The operands, after `positionals` of them, are the command.
        case command
        /// `su`/`runuser`: a shell runs, as `[-] [USER [ARGS]]`, with `-c`'s
        /// script; `runuser -u USER CMD` runs the command instead.
        case userShell
        /// `flock FILE CMD` or `flock FILE -c SCRIPT` (only `-c` or
        /// `--command`, only right after the file: flock(1) reads it there).
        case lockedCommand
    }

    var options: ShellOptions.Spec
    var runs: Runs = .command
    /// Operands before the command: `timeout DURATION`, `chroot NEWROOT`.
    var positionals = 0
    /// `NAME=value` words before the command set its environment (`env`, `sudo`).
    var takesAssignments = false
    /// Options whose value is split into words that take its place, and
    /// may hold more options and the command itself (`env -S`).
    var splitOptions: Set<String> = []

    /// What a wrapper's arguments say it runs.
    struct Reading {
        /// The command it runs, program first; empty when it runs none
        /// (`sudo -i`, `flock 9`, `env`).
        var command: [ShellWord] = []
        /// `NAME=value` words it puts in the command's environment.
        var assignments: [ShellWord] = []
        var problems: [String] = []
    }

    static func named(_ name: String) -> ShellWrapper? { known[name] }

    /// The shell `su` and `flock -c` run when nothing names one: the real one
    /// is the user's, or `$SHELL`, which the call does not show.
    static let defaultShell = ShellWord(text: "sh")

    func read(_ name: String, _ arguments: [ShellWord], depth: Int, budget: WorkBudget) -> Reading {
        var reading = Reading()
        var args = arguments
        // Each round reads the options once more, after an `env -S` string
        // has been split into the words that replace it.
        for _ in 0...IntentLimits.maximumNesting {
            let parsed = ShellOptions(args, options)
            for option in parsed.unknown {
                reading.problems.append("\(name) has no option \(option) this extractor knows; where its command starts is a guess")
            }
            if let split = parsed.options.first(where: { splitOptions.contains($0.name) }) {
                guard let value = split.value else { return reading }
                args = Self.split(value, name: name, into: &reading, depth: depth, budget: budget) + args[split.end...]
                continue
            }
            var operands = parsed.operands[...]
            switch runs {
            case .command:
                if name == "env", operands.first?.text == "-" { operands = operands.dropFirst() }   // `-` is `-i`
                operands = operands.dropFirst(positionals)
            case .userShell:
                if parsed.has(["-u", "--user"]) { break }
                if operands.first?.text == "-" { operands = operands.dropFirst() }   // `-` is `--login`
                operands = operands.dropFirst()   // the user
                let shell = parsed.values(of: ["-s", "--shell"]).last ?? Self.defaultShell
                // su keeps the last command given; the arguments after the user follow it.
                let script = parsed.values(of: ["-c", "--command", "--session-command"]).last
                guard script != nil || !operands.isEmpty else { return reading }   // an interactive shell
                reading.command = [shell] + (script.map { [ShellWord(text: "-c"), $0] } ?? []) + operands
                return reading
            case .lockedCommand:
                operands = operands.dropFirst()   // the lock file or descriptor
                if let option = operands.first, option.text == "-c" || option.text == "--command" {
                    reading.command = [Self.defaultShell, ShellWord(text: "-c")] + operands.dropFirst()
                    return reading
                }
            }
            if takesAssignments {
                while let word = operands.first, Self.isAssignment(word.text) {
                    reading.assignments.append(word)
                    operands = operands.dropFirst()
                }
            }
            reading.command = Array(operands)
            return reading
        }
        reading.problems.append("\(name) -S nested deeper than \(IntentLimits.maximumNesting) levels; the rest is not analyzed")
        return reading
    }

    /// The words `env -S STRING` puts in its place. env splits on blanks and
    /// reads quotes and backslashes as the shell does, but nothing else: a
    /// string with operators or redirections is taken word by word, and
    /// reported, since env passes `;` and `>` on as arguments.
    private static func split(_ value: ShellWord, name: String, into reading: inout Reading, depth: Int, budget: WorkBudget) -> [ShellWord] {
        if value.isDynamic { reading.problems.append("\(name) -S: the string is only known at run time") }
        let script = ShellParser.parse(value.text, depth: depth + 1, budget: budget)
        let commands = script.commands
        if commands.count != 1 || !script.problems.isEmpty || commands.contains(where: { !$0.redirections.isEmpty }) {
            reading.problems.append("\(name) -S: the string has shell syntax that env does not read")
        }
        return commands.flatMap { $0.assignments + $0.words + $0.redirections.map(\.target) }
    }

    static func isAssignment(_ text: String) -> Bool {
        guard text.utf8.contains(UInt8(ascii: "=")), let eq = text.firstIndex(of: "="), eq != text.startIndex else { return false }
        return text[..<eq].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
