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

/// A simple command as written: words, redirections, and where it sits in
/// its pipeline (stage 0 is the leftmost).
struct ShellSimpleCommand: Sendable, Hashable {
    var words: [ShellWord] = []
    var redirections: [ShellRedirection] = []
    var pipeline = 0
    var stage = 0
}

/// A parsed script: its simple commands in order, and anything the parser
/// could not follow (which becomes the `unparsed` fact).
struct ShellScript: Sendable, Hashable {
    var commands: [ShellSimpleCommand] = []
    var problems: [String] = []
}
