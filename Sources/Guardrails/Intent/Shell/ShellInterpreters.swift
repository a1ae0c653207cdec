/// Programs that run code they are given (a file, stdin, or an argument),
/// recognized by family rather than by exact name: `python3.11`, `pypy3`,
/// `perl5.36`, `ksh93` and `tclsh8.6` run code as surely as `python`,
/// `perl`, `ksh` and `tclsh`, and a list of exact names only waits for the
/// next version number.
enum ShellInterpreters {
    /// Command languages: their inline code (`-c`), here-documents and
    /// here-strings are shell scripts this extractor can read.
    private static let shellFamilies: Set<String> = [
        "sh", "bash", "rbash", "dash", "zsh", "ksh", "pdksh", "oksh", "mksh", "ash", "yash", "posh", "hush", "sash",
        "fish", "csh", "tcsh", "busybox", "toybox", "elvish", "nu", "xonsh", "ion", "osh", "ysh", "rc", "es",
    ]
    /// Other languages: their code is opaque to this extractor.
    private static let otherFamilies: Set<String> = [
        "python", "pythonw", "pypy", "ipython", "perl", "ruby", "irb", "jruby", "node", "nodejs", "deno", "bun", "php",
        "lua", "luajit", "tclsh", "wish", "expect", "pwsh", "powershell", "osascript", "rscript", "r", "julia", "guile",
        "racket", "sbcl", "clisp", "ecl", "ocaml", "ghci", "runghc", "runhaskell", "elixir", "iex", "erl", "escript",
        "groovy", "jshell", "scala", "kotlin", "swift", "crystal", "dotnet", "source", ".",
    ]

    /// The family a program name belongs to: lower-cased, with a trailing
    /// version (`3`, `3.11`, `-3.11`, `5.36`) removed.
    static func family(of name: String) -> String {
        var base = Substring(name.lowercased())
        while let last = base.last, last.isNumber || last == "." || last == "-" || last == "_", base.count > 1 { base = base.dropLast() }
        // `.` itself must survive: it is the `source` builtin.
        return base.isEmpty || name == "." ? name : String(base)
    }

    static func isShell(_ name: String) -> Bool { shellFamilies.contains(family(of: name)) }

    static func isInterpreter(_ name: String) -> Bool {
        let family = family(of: name)
        return shellFamilies.contains(family) || otherFamilies.contains(family)
    }

    /// Options that take inline code, per family (`python -c CODE`).
    private static let inlineCodeOptions: [String: Set<String>] = [
        "python": ["-c"], "pythonw": ["-c"], "pypy": ["-c"], "ipython": ["-c"], "perl": ["-e", "-E"], "ruby": ["-e"],
        "jruby": ["-e"], "lua": ["-e"], "luajit": ["-e"], "php": ["-r"], "node": ["-e", "-p", "--eval", "--print"],
        "nodejs": ["-e", "-p", "--eval", "--print"], "deno": ["eval"], "bun": ["-e", "--eval"],
        "pwsh": ["-c", "-command", "-encodedcommand"], "powershell": ["-c", "-command", "-encodedcommand"], "osascript": ["-e"],
        "rscript": ["-e"], "julia": ["-e", "-E"], "guile": ["-c"], "racket": ["-e"], "sbcl": ["--eval"], "elixir": ["-e"],
        "erl": ["-eval"], "groovy": ["-e"], "scala": ["-e"],
    ]

    /// Whether `args` give the interpreter its code inline: `sh -c`,
    /// `bash -lc`, `python -c`, `perl -e`, `node --eval`...
    static func hasInlineCode(_ name: String, _ args: [ShellWord]) -> Bool {
        if isShell(name) { return ShellInlineScript(shell: name, args).isGiven }
        let options = inlineCodeOptions[family(of: name)] ?? ["-c", "-e"]
        return args.contains { options.contains($0.text.lowercased()) }
    }
}
