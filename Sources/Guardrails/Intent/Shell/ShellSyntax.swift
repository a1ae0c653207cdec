/// One word of a shell command after quote removal and the expansions the
/// parser could resolve statically (literal variables, `$(echo x)`).
struct ShellWord: Sendable, Hashable {
    /// The text; an expansion that could not be resolved stays as `$NAME`.
    var text: String = ""
    /// Contains an expansion whose value is only known at run time.
    var isDynamic = false
    /// Contains an unquoted glob or brace pattern (`*`, `?`, `[`, `{a,b}`).
    var hasGlob = false
    /// Scripts inside `$(...)`, backticks and `<(...)`, parsed.
    var substitutions: [ShellScript] = []

    init(text: String = "", isDynamic: Bool = false) {
        self.text = text
        self.isDynamic = isDynamic
    }
}

/// `>`, `>>`, `<`, `<<` ... with its target (or here-document body).
struct ShellRedirection: Sendable, Hashable {
    var op: String
    var target: ShellWord
    var heredocBody: String?

    /// Whether this redirection writes to a file (`>&2` duplicates a descriptor instead).
    var writesFile: Bool {
        if op == ">&" { return !(target.text.allSatisfy(\.isNumber) || target.text == "-") }
        return [">", ">>", ">|", "&>", "&>>", "<>"].contains(op)
    }
}

/// Where a command sits: its pipeline, and its stage in it (0 is the leftmost).
struct ShellPosition: Sendable, Hashable {
    var pipeline: Int
    var stage: Int
}

/// A simple command as written: words, redirections, and where it sits in
/// its pipeline.
struct ShellSimpleCommand: Sendable, Hashable {
    var words: [ShellWord] = []
    var redirections: [ShellRedirection] = []
    /// `NAME=value` words before the program: its environment, not the script's.
    var assignments: [ShellWord] = []
    var pipeline = 0
    var stage = 0
    /// The groups around it (`( )`, `{ }`, `if`/`while`/`for` bodies),
    /// innermost first: a command inside reads the group's standard input,
    /// so in `curl ... | { true; sh; }` the `sh` reads what curl downloaded.
    var enclosing: [ShellPosition] = []
    /// The subshells `( )` around it, outermost first, by id: a `cd` inside
    /// one ends with it.
    var subshells: [Int] = []

    var position: ShellPosition { ShellPosition(pipeline: pipeline, stage: stage) }
}

/// A parsed script: its simple commands in order, and anything the parser
/// could not follow (which becomes the `unparsed` fact).
struct ShellScript: Sendable, Hashable {
    var commands: [ShellSimpleCommand] = []
    var problems: [String] = []
    /// Every `NAME=value` the script sets, before a program, alone, or
    /// through `export`/`declare`: proxies are set this way.
    var assignments: [ShellWord] = []
    /// How many pipeline numbers the commands use (0..<pipelineCount).
    var pipelineCount = 1
    /// A process substitution `>(...)`: its commands read what the command
    /// holding it writes.
    var readsHolderOutput = false
}
