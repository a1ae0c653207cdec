/// A POSIX `sh` parser (with the bash extensions agents actually write:
/// `$'...'`, `<(...)`, `&>`, `|&`, `{a,b}`), reduced to what policy needs:
/// the simple commands that would run, with their words after quote removal.
///
/// It follows variables assigned earlier in the same script (`X=/; rm -rf $X`),
/// splits unquoted expansions on `$IFS` and globs them as sh does
/// (`T='/etc /usr'; rm -rf $T` names two trees), resolves `$(echo word)`,
/// and parses `$(...)`, backticks and process substitutions recursively.
/// Compound commands (`if`, `while`, `for`, functions) are flattened: every
/// command in any branch counts, because policy must see what *could* run;
/// each records the groups around it, whose standard input it reads, and a
/// pipe that ends a line goes on into the next. `case` is reported as unparsed.
struct ShellParser {
    private let b: [UInt8]
    private var i = 0
    /// How many scripts this one is nested in (`$(...)`, `sh -c`, `<(...)`).
    private let depth: Int
    /// Subshells open at `i`; with `depth`, bounded by `IntentLimits.maximumNesting`.
    private var subshells = 0
    /// Subshells opened past the bound: read as if their parentheses were not
    /// there (no recursion), so their commands are still seen.
    private var flattenedSubshells = 0
    private let budget: WorkBudget
    /// Where the last look-ahead for a closing `]` or `}` stopped, so a run of
    /// `[` or `{` is scanned once rather than once per byte.
    private var bracketScan = LookAhead()
    private var braceScan = LookAhead()
    private var env: [String: String]
    /// Command substitutions whose output a variable holds (`X=$(curl ...)`):
    /// a later `$X` carries them, so `eval "$X"` is seen to run downloaded code.
    private var substitutionsByVariable: [String: [ShellScript]] = [:]
    private var script = ShellScript()
    private var pipeline = 0
    private var stage = 0
    /// The next unused pipeline number: a group that ends resumes its own
    /// pipeline, so numbers are handed out rather than counted up.
    private var nextPipeline = 1
    private var current = ShellSimpleCommand()
    /// Open groups, innermost last, with where each sits (see `ShellSimpleCommand.enclosing`).
    /// At most `IntentLimits.maximumNesting`: every command copies them.
    private var groups: [ShellPosition] = []
    /// Groups opened past that bound, read as if they were not there.
    private var flattenedGroups = 0
    /// Open subshells by id, outermost first.
    private var subshellPath: [Int] = []
    private var nextSubshell = 0
    /// After `|`: the pipeline goes on past a newline or a comment.
    private var pipeContinues = false
    /// Here-documents of the current line waiting for their bodies: command index, redirection index, delimiter, strip tabs.
    private var pendingHeredocs: [(command: Int?, redirection: Int, delimiter: String, stripTabs: Bool)] = []
    /// The bytes of the word being parsed, kept between words so that a
    /// script's words share one allocation instead of one each.
    private var wordBytes: [UInt8] = []

    /// Variables known before the script runs. HOME is written `~` so that
    /// `$HOME/.ssh` and `~/.ssh` are the same path to the analyzers.
    static let initialEnvironment = ["HOME": "~"]

    /// Parses `text`, a script nested `depth` levels deep. Every parse spends
    /// its length from `budget`: nested scripts are parsed again at each level.
    static func parse(_ text: String, depth: Int = 0, environment: [String: String] = initialEnvironment,
                      budget: WorkBudget = WorkBudget()) -> ShellScript {
        if depth > IntentLimits.maximumNesting {
            return ShellScript(problems: ["shell script \(IntentLimits.nestingProblem)"])
        }
        guard budget.spend(text.utf8.count) else { return ShellScript(problems: [WorkBudget.exhaustedProblem]) }
        var parser = ShellParser(bytes: Array(text.utf8), depth: depth, env: environment, budget: budget)
        parser.parseList(closer: nil)
        parser.finishCommand()
        if !parser.pendingHeredocs.isEmpty { parser.readHeredocBodies() }
        parser.script.pipelineCount = parser.nextPipeline
        return parser.script
    }

    private init(bytes: [UInt8], depth: Int, env: [String: String], budget: WorkBudget) {
        self.b = bytes
        self.depth = depth
        self.env = env
        self.budget = budget
    }

    private var peek: UInt8 { i < b.count ? b[i] : 0 }
    private func peek(_ offset: Int) -> UInt8 { i + offset < b.count ? b[i + offset] : 0 }
    private mutating func problem(_ message: String) { if !script.problems.contains(message) { script.problems.append(message) } }

    private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
    private static func isMeta(_ c: UInt8) -> Bool {
        isBlank(c) || c == 0x0A || c == UInt8(ascii: ";") || c == UInt8(ascii: "&") || c == UInt8(ascii: "|")
            || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">")
    }
    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    private static let reservedWords: Set<String> = ["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!", "function", "time"]

    // MARK: Lists and commands

    /// Parses commands until `closer` (")" for subshells and substitutions) or the end.
    private mutating func parseList(closer: UInt8?) {
        while true {
            skipBlanks()
            let c = peek
            if i >= b.count { if closer != nil { problem("missing closing '\(UnicodeScalar(closer!))'") }; return }
            if let closer, c == closer { return }
            switch c {
            case UInt8(ascii: "#"):
                while i < b.count, b[i] != 0x0A { i += 1 }
            case 0x0A:
                i += 1
                // `curl ... |` at the end of a line pipes into the next line's command.
                if !pipeContinues { endPipeline() }
                if !pendingHeredocs.isEmpty { readHeredocBodies() }
            case UInt8(ascii: ";"):
                i += 1
                if peek == UInt8(ascii: ";") { i += 1; problem("case statements are not analyzed") }
                endPipeline()
            case UInt8(ascii: "&"):
                if peek(1) == UInt8(ascii: ">") { parseRedirection(); continue }
                i += peek(1) == UInt8(ascii: "&") ? 2 : 1
                endPipeline()
            case UInt8(ascii: "|"):
                if peek(1) == UInt8(ascii: "|") { i += 2; endPipeline(); continue }
                i += peek(1) == UInt8(ascii: "&") ? 2 : 1
                finishCommand()
                stage += 1
                pipeContinues = true
            case UInt8(ascii: "("):
                if !current.words.isEmpty && peek(1) == UInt8(ascii: ")") {
                    // `name()` starts a function definition; its body is parsed as commands.
                    i += 2
                    current.words.removeAll()
                    continue
                }
                if peek(1) == UInt8(ascii: "(") { skipArithmeticCommand(); continue }
                i += 1
                finishCommand()
                if depth + subshells >= IntentLimits.maximumNesting {
                    problem("shell subshells nested deeper than \(IntentLimits.maximumNesting) levels: the deeper ones are read as plain command lists")
                    flattenedSubshells += 1
                    continue
                }
                subshells += 1
                openGroup()
                subshellPath.append(nextSubshell)
                nextSubshell += 1
                parseList(closer: UInt8(ascii: ")"))
                subshellPath.removeLast()
                if peek == UInt8(ascii: ")") { i += 1 }
                finishCommand()
                closeGroup()
                subshells -= 1
            case UInt8(ascii: ")") where flattenedSubshells > 0:
                flattenedSubshells -= 1
                i += 1
                finishCommand()
            case UInt8(ascii: ")"):
                problem("unbalanced ')'")
                i += 1
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                if peek(1) == UInt8(ascii: "(") { appendWords(parseWord()); continue }
                parseRedirection()
            default:
                if c >= 0x30 && c <= 0x39, redirectionFollowsDigits() { parseRedirection(); continue }
                appendWords(parseWord())
            }
        }
    }

    private func redirectionFollowsDigits() -> Bool {
        var j = i
        while j < b.count, b[j] >= 0x30, b[j] <= 0x39 { j += 1 }
        return j < b.count && (b[j] == UInt8(ascii: "<") || b[j] == UInt8(ascii: ">"))
    }

    /// `(( expr ))` arithmetic command: no program runs, skip it.
    private mutating func skipArithmeticCommand() {
        var depth = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "(") { depth += 1 } else if b[i] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { i += 1; return } }
            i += 1
        }
        problem("unterminated (( ))")
    }

    private mutating func appendWords(_ split: SplitWord) {
        guard let first = split.first, appendWord(first) else { return }
        for word in split.rest {
            if !appendWord(word) { return }
        }
    }

    /// Adds `word` to the current command; false when it opened a `for`
    /// header, which swallows the rest of the line.
    private mutating func appendWord(_ word: ShellWord) -> Bool {
        pipeContinues = false
        if current.words.isEmpty {
            if !word.isDynamic, !word.hasGlob, Self.reservedWords.contains(word.text) {
                switch word.text {
                case "{", "if", "while", "until": openGroup()
                case "}", "fi", "done": closeGroup()
                default: break
                }
                return true
            }
            if word.text == "case" { problem("case statements are not analyzed") }
            if word.text == "for" || word.text == "select" {
                openGroup()
                skipForHeader()
                return false
            }
            // Room for a typical command's words at once, rather than regrowing at 1, 2 and 4.
            current.words.reserveCapacity(8)
        }
        current.words.append(word)
        return true
    }

    /// A group starts where the current command would: its commands read the
    /// group's standard input (see `ShellSimpleCommand.enclosing`).
    private mutating func openGroup() {
        guard groups.count < IntentLimits.maximumNesting else {
            problem("shell groups nested deeper than \(IntentLimits.maximumNesting) levels: the deeper ones are read as plain command lists")
            flattenedGroups += 1
            return
        }
        groups.append(ShellPosition(pipeline: pipeline, stage: stage))
    }

    /// The group's pipeline resumes after it: `{ a; b; } | sh` pipes both into sh.
    private mutating func closeGroup() {
        if flattenedGroups > 0 { flattenedGroups -= 1; return }
        guard let group = groups.popLast() else { return }
        pipeline = group.pipeline
        stage = group.stage
        current.pipeline = pipeline
        current.stage = stage
    }

    /// `for NAME [in WORDS]` up to `;` or newline: the loop variable becomes unknown.
    private mutating func skipForHeader() {
        skipBlanks()
        let name = parseWord().first?.text ?? ""
        env.removeValue(forKey: name)
        while i < b.count, b[i] != UInt8(ascii: ";"), b[i] != 0x0A { i += 1 }
    }

    private mutating func skipBlanks() {
        while i < b.count {
            if Self.isBlank(b[i]) { i += 1; continue }
            if b[i] == UInt8(ascii: "\\"), peek(1) == 0x0A { i += 2; continue }
            return
        }
    }

    private mutating func endPipeline() {
        finishCommand()
        pipeline = nextPipeline
        nextPipeline += 1
        stage = 0
        pipeContinues = false
    }

    private mutating func finishCommand() {
        defer { current = ShellSimpleCommand(pipeline: pipeline, stage: stage) }
        let assignments = current.words.prefix { assignment($0) != nil }
        script.assignments += assignments
        if assignments.count == current.words.count {
            // Only assignments: they change the script's variables.
            for word in assignments { assign(word) }
            if current.redirections.isEmpty { return }
        }
        current.assignments = Array(assignments)
        current.words.removeFirst(assignments.count)
        applyBuiltinAssignments()
        current.pipeline = pipeline
        current.stage = stage
        current.enclosing = groups.reversed()
        current.subshells = subshellPath
        let index = script.commands.count
        script.commands.append(current)
        for k in pendingHeredocs.indices where pendingHeredocs[k].command == nil { pendingHeredocs[k].command = index }
    }

    /// `export/readonly/local/declare X=v` set variables; `unset X` empties them
    /// (so `unset X; rm -rf /$X` is seen as `rm -rf /`); `read X` makes X unknown.
    private mutating func applyBuiltinAssignments() {
        guard let first = current.words.first?.text else { return }
        switch first {
        case "export", "readonly", "local", "declare", "typeset":
            for word in current.words.dropFirst() where assignment(word) != nil {
                assign(word)
                script.assignments.append(word)
            }
        case "unset":
            for word in current.words.dropFirst() where !word.text.hasPrefix("-") { env[word.text] = "" }
        case "read", "mapfile", "readarray":
            for word in current.words.dropFirst() where !word.text.hasPrefix("-") { env.removeValue(forKey: word.text) }
        default: break
        }
    }

    private mutating func assign(_ word: ShellWord) {
        guard let (name, value) = assignment(word) else { return }
        env[name] = value
        substitutionsByVariable[name] = word.substitutions.isEmpty ? nil : word.substitutions
    }

    /// `NAME=value` → (NAME, value or nil when the value is dynamic).
    private func assignment(_ word: ShellWord) -> (String, String?)? {
        // The byte test first: most words have no '=', and finding a Character costs grapheme breaking.
        guard word.text.utf8.contains(UInt8(ascii: "=")), let eq = word.text.firstIndex(of: "="), eq != word.text.startIndex else { return nil }
        let name = word.text[..<eq]
        guard name.utf8.allSatisfy(Self.isNameByte), !(name.utf8.first! >= 0x30 && name.utf8.first! <= 0x39) else { return nil }
        return (String(name), word.isDynamic ? nil : String(word.text[word.text.index(after: eq)...]))
    }

    // MARK: Redirections and here-documents

    private mutating func parseRedirection() {
        pipeContinues = false
        var op = ""
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }   // fd number
        for candidate in ["<<<", "<<-", "&>>", "<<", ">>", ">|", ">&", "<&", "<>", "&>", ">", "<"] where matches(candidate) {
            op = candidate
            i += candidate.utf8.count
            break
        }
        skipBlanks()
        let target = parseWord().first ?? ShellWord()
        if target.text.isEmpty && !target.isDynamic { problem("redirection without a target") }
        current.redirections.append(ShellRedirection(op: op, target: target))
        if op == "<<" || op == "<<-" {
            pendingHeredocs.append((nil, current.redirections.count - 1, target.text, op == "<<-"))
        }
    }

    private func matches(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= b.count && Array(b[i..<(i + u.count)]) == u
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    private mutating func readHeredocBodies() {
        for pending in pendingHeredocs {
            var body: [String] = []
            var closed = false
            while i < b.count {
                var end = i
                while end < b.count, b[end] != 0x0A { end += 1 }
                var line = String(decoding: b[i..<end], as: UTF8.self)
                i = min(b.count, end + 1)
                if pending.stripTabs { line = String(line.drop { $0 == "\t" }) }
                if line == pending.delimiter { closed = true; break }
                body.append(line)
            }
            if !closed { problem("here-document without its closing '\(pending.delimiter)'") }
            if let command = pending.command {
                script.commands[command].redirections[pending.redirection].heredocBody = body.joined(separator: "\n")
            }
        }
        pendingHeredocs.removeAll()
    }

    // MARK: Words

    /// One parsed word, or several when an unquoted `$IFS` split it. The
    /// common single word is held without an array, so costs no allocation.
    private struct SplitWord {
        var first: ShellWord?
        var rest: [ShellWord] = []

        mutating func append(_ word: ShellWord) {
            if first == nil { first = word } else { rest.append(word) }
        }

        var hasWords: Bool { first != nil }
    }

    /// Parses one word at `i`; unquoted `$IFS` splits it into several.
    private mutating func parseWord() -> SplitWord {
        var words = SplitWord()
        var word = ShellWord()
        // Taken out of `self` for the duration, so helpers mutating the parser can fill it.
        var bytes = wordBytes
        wordBytes = []
        bytes.removeAll(keepingCapacity: true)
        defer { wordBytes = bytes }
        var started = false
        func flush() {
            word.text = String(decoding: bytes, as: UTF8.self)
            if started { words.append(word) }
            word = ShellWord()
            bytes.removeAll(keepingCapacity: true)
            started = false
        }
        /// An unquoted expansion's value is split on `$IFS` and globbed, as
        /// sh does: `T='/etc /usr'; rm -rf $T` removes two trees.
        func appendSplitting(_ value: [UInt8]) {
            // The value of an assignment (`T=$(echo a b)`) is not split.
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")), eq > 0, bytes[..<eq].allSatisfy(Self.isNameByte), !words.hasWords {
                started = true
                bytes += value
                return
            }
            let separators = env["IFS"].map { Array($0.utf8) } ?? [0x20, 0x09, 0x0A]
            for c in value {
                if separators.contains(c) {
                    if !bytes.isEmpty { flush() }
                    continue
                }
                if c == UInt8(ascii: "*") || c == UInt8(ascii: "?") || c == UInt8(ascii: "[") { word.hasGlob = true }
                started = true
                bytes.append(c)
            }
        }
        if peek == UInt8(ascii: "~") { bytes.append(UInt8(ascii: "~")); started = true; i += 1 }
        while i < b.count {
            let c = b[i]
            if Self.isMeta(c) {
                // `<(` and `>(` inside a word are process substitutions.
                if (c == UInt8(ascii: "<") || c == UInt8(ascii: ">")) && peek(1) == UInt8(ascii: "(") && !started {
                    i += 2
                    let inner = captureUntilClose()
                    var substitution = Self.parse(inner, depth: depth + 1, environment: env, budget: budget)
                    substitution.readsHolderOutput = c == UInt8(ascii: ">")
                    word.substitutions.append(substitution)
                    word.isDynamic = true
                    bytes += Array("/dev/fd/63".utf8)
                    started = true
                    continue
                }
                break
            }
            started = true
            switch c {
            case UInt8(ascii: "\\"):
                if peek(1) == 0x0A { i += 2; continue }
                if i + 1 < b.count { bytes.append(b[i + 1]) }
                i += 2
            case UInt8(ascii: "'"):
                i += 1
                let start = i
                while i < b.count, b[i] != UInt8(ascii: "'") { i += 1 }
                if i >= b.count { problem("unterminated single quote") }
                bytes += b[start..<min(i, b.count)]
                i += 1
            case UInt8(ascii: "\""):
                i += 1
                parseDoubleQuoted(into: &bytes, word: &word)
            case UInt8(ascii: "$"):
                if peek(1) == UInt8(ascii: "'") {
                    i += 2
                    bytes += parseANSIQuoted()
                } else if isIFSExpansion() {
                    flush()
                } else {
                    switch parseExpansion(word: &word) {
                    case .value(let value): appendSplitting(value)
                    case .unknown(let placeholder): bytes += placeholder
                    }
                }
            case UInt8(ascii: "`"):
                switch parseBackticks(word: &word) {
                case .value(let value): appendSplitting(value)
                case .unknown(let placeholder): bytes += placeholder
                }
            case UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["):
                // A lone `[` (the test command) is not a bracket pattern.
                if c != UInt8(ascii: "[") || closingBracketAhead() { word.hasGlob = true }
                bytes.append(c)
                i += 1
            case UInt8(ascii: "{"):
                if braceExpansionAhead() { word.hasGlob = true }
                bytes.append(c)
                i += 1
            default:
                bytes.append(c)
                i += 1
            }
        }
        flush()
        return words
    }

    /// A finished look-ahead over `from..<stop`: `stop` is the first byte that
    /// ended it, and `lastMark` the last byte of interest before it. Any later
    /// look-ahead starting inside the range ends at the same `stop`.
    private struct LookAhead {
        var from = Int.max
        var stop = 0
        var lastMark = -1

        func covers(_ start: Int) -> Bool { start >= from && start <= stop }
    }

    /// Whether the `[` at `i` opens a bracket pattern: a `]` follows before
    /// the word ends (and not right after it).
    private mutating func closingBracketAhead() -> Bool {
        let start = i + 1
        if !bracketScan.covers(start) {
            var j = start
            while j < b.count, !Self.isMeta(b[j]), b[j] != UInt8(ascii: "]") { j += 1 }
            bracketScan = LookAhead(from: start, stop: j)
        }
        let stop = bracketScan.stop
        return stop < b.count && b[stop] == UInt8(ascii: "]") && stop > start
    }

    /// Whether the `{` at `i` opens a brace expansion: a `,` or `..` before
    /// the `}` that closes it within the word.
    private mutating func braceExpansionAhead() -> Bool {
        let start = i + 1
        if !braceScan.covers(start) {
            var j = start
            var lastMark = -1
            while j < b.count, !Self.isMeta(b[j]), b[j] != UInt8(ascii: "}") {
                if b[j] == UInt8(ascii: ",") || (b[j] == UInt8(ascii: ".") && j + 1 < b.count && b[j + 1] == UInt8(ascii: ".")) { lastMark = j }
                j += 1
            }
            braceScan = LookAhead(from: start, stop: j, lastMark: lastMark)
        }
        let stop = braceScan.stop
        return braceScan.lastMark >= start && stop < b.count && b[stop] == UInt8(ascii: "}")
    }

    private mutating func isIFSExpansion() -> Bool {
        for form in ["${IFS}", "$IFS"] where matches(form) {
            let after = i + form.utf8.count
            if form == "$IFS", after < b.count, Self.isNameByte(b[after]) { continue }
            i = after
            return true
        }
        return false
    }

    private mutating func parseDoubleQuoted(into bytes: inout [UInt8], word: inout ShellWord) {
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return
            case UInt8(ascii: "\\"):
                let next = peek(1)
                if next == 0x0A { i += 2; continue }
                if [UInt8(ascii: "$"), UInt8(ascii: "`"), UInt8(ascii: "\""), UInt8(ascii: "\\")].contains(next) {
                    bytes.append(next)
                } else {
                    bytes.append(c)
                    if i + 1 < b.count { bytes.append(next) }
                }
                i += 2
            case UInt8(ascii: "$"):
                bytes += parseExpansion(word: &word).bytes
            case UInt8(ascii: "`"):
                bytes += parseBackticks(word: &word).bytes
            default:
                bytes.append(c)
                i += 1
            }
        }
        problem("unterminated double quote")
    }

    /// `$'...'` with C escapes (bash).
    private mutating func parseANSIQuoted() -> [UInt8] {
        var out: [UInt8] = []
        while i < b.count, b[i] != UInt8(ascii: "'") {
            guard b[i] == UInt8(ascii: "\\"), i + 1 < b.count else { out.append(b[i]); i += 1; continue }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "x"):
                var value: UInt32 = 0
                var digits = 0
                while digits < 2, i < b.count, let d = hexValue(b[i]) { value = value * 16 + d; i += 1; digits += 1 }
                out.append(UInt8(value))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(e - 0x30)
                var digits = 1
                while digits < 3, i < b.count, b[i] >= 0x30, b[i] <= 0x37 { value = value * 8 + UInt32(b[i] - 0x30); i += 1; digits += 1 }
                out.append(UInt8(truncatingIfNeeded: value))
            default: out.append(e)
            }
        }
        if i >= b.count { problem("unterminated $'...' quote") }
        i += 1
        return out
    }

    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: UInt32(c - 0x30)
        case 0x61...0x66: UInt32(c - 0x61 + 10)
        case 0x41...0x46: UInt32(c - 0x41 + 10)
        default: nil
        }
    }

    /// What an expansion stands for: a value the script set (split and
    /// globbed when unquoted), or a placeholder for a value known only at
    /// run time (which makes the word dynamic).
    private enum Expansion {
        case value([UInt8])
        case unknown([UInt8])

        var bytes: [UInt8] {
            switch self {
            case .value(let b), .unknown(let b): b
            }
        }
    }

    /// `$NAME`, `${...}`, `$(...)`, `$((...))` at `i`.
    private mutating func parseExpansion(word: inout ShellWord) -> Expansion {
        i += 1
        let c = peek
        if c == UInt8(ascii: "(") {
            if peek(1) == UInt8(ascii: "(") {
                i += 2
                _ = captureUntilClose()
                if peek == UInt8(ascii: ")") { i += 1 }
                word.isDynamic = true
                return .unknown(Array("$((...))".utf8))
            }
            i += 1
            return substitute(captureUntilClose(), word: &word)
        }
        if c == UInt8(ascii: "{") {
            let start = i + 1
            while i < b.count, b[i] != UInt8(ascii: "}") { i += 1 }
            if i >= b.count { problem("unterminated ${") }
            let inner = String(decoding: b[start..<min(i, b.count)], as: UTF8.self)
            i += 1
            let name = String(inner.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            if name.count == inner.count, let value = env[name] { return .value(Array(value.utf8)) }
            word.substitutions += substitutionsByVariable[name] ?? []
            if env[name] == nil, let range = inner.range(of: ":-") ?? inner.range(of: "-"), inner[..<range.lowerBound] == name {
                // ${X:-default} with X unknown: the default is one possibility, the value another.
                word.isDynamic = true
                return .unknown(Array("${\(name)}".utf8))
            }
            word.isDynamic = true
            return .unknown(Array("${\(inner)}".utf8))
        }
        if Self.isNameByte(c) && !(c >= 0x30 && c <= 0x39) {
            let start = i
            while i < b.count, Self.isNameByte(b[i]) { i += 1 }
            let name = String(decoding: b[start..<i], as: UTF8.self)
            if let value = env[name] { return .value(Array(value.utf8)) }
            word.substitutions += substitutionsByVariable[name] ?? []
            word.isDynamic = true
            return .unknown(Array("$\(name)".utf8))
        }
        if c >= 0x30 && c <= 0x39 || "@*#?$!-".utf8.contains(c) {
            i += 1
            word.isDynamic = true
            return .unknown([UInt8(ascii: "$"), c])
        }
        return .unknown([UInt8(ascii: "$")])
    }

    private mutating func parseBackticks(word: inout ShellWord) -> Expansion {
        i += 1
        var inner: [UInt8] = []
        while i < b.count, b[i] != UInt8(ascii: "`") {
            if b[i] == UInt8(ascii: "\\"), i + 1 < b.count, [UInt8(ascii: "`"), UInt8(ascii: "\\"), UInt8(ascii: "$")].contains(b[i + 1]) {
                inner.append(b[i + 1])
                i += 2
                continue
            }
            inner.append(b[i])
            i += 1
        }
        if i >= b.count { problem("unterminated backtick") }
        i += 1
        return substitute(String(decoding: inner, as: UTF8.self), word: &word)
    }

    /// Parses a command substitution; `$(echo literal)` and `$(printf literal)`
    /// resolve to their output, anything else makes the word dynamic.
    private mutating func substitute(_ inner: String, word: inout ShellWord) -> Expansion {
        let sub = Self.parse(inner, depth: depth + 1, environment: env, budget: budget)
        if sub.problems.isEmpty, sub.commands.count == 1, let command = sub.commands.first, command.redirections.isEmpty,
           let program = command.words.first?.text, program == "echo" || program == "printf",
           command.words.dropFirst().allSatisfy({ !$0.isDynamic && !$0.hasGlob && !$0.text.hasPrefix("-") && !$0.text.contains("%") && !$0.text.contains("\\") }) {
            return .value(Array(command.words.dropFirst().map(\.text).joined(separator: " ").utf8))
        }
        word.substitutions.append(sub)
        word.isDynamic = true
        return .unknown(Array("$(...)".utf8))
    }

    /// Text up to the ")" matching an already consumed "(", honouring quotes.
    private mutating func captureUntilClose() -> String {
        let start = i
        var depth = 1
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\\"): i += 2; continue
            case UInt8(ascii: "'"):
                i += 1
                while i < b.count, b[i] != UInt8(ascii: "'") { i += 1 }
            case UInt8(ascii: "\""):
                i += 1
                while i < b.count, b[i] != UInt8(ascii: "\"") { if b[i] == UInt8(ascii: "\\") { i += 1 }; i += 1 }
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 {
                    let inner = String(decoding: b[start..<i], as: UTF8.self)
                    i += 1
                    return inner
                }
            default: break
            }
            i += 1
        }
        problem("unterminated $( or <(")
        return String(decoding: b[start..<b.count], as: UTF8.self)
    }
}
