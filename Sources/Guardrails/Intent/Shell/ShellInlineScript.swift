/// The script a shell is given on its command line with `-c`.
///
/// For sh, bash, dash, zsh, ksh and the like, `-c` takes no value: it says
/// that the script is an argument, and the shell reads all its options
/// first and takes the first word that is not one. `sh -c -- X`,
/// `sh -c -e X`, `bash -c -o pipefail X` and `sh +c X` all run X (the words
/// after it are `$0`, `$1`...). The word right after `-c` is `--`, `-e` or
/// `pipefail` there, and taking it lets X run unread; the catalog's own
/// `run_shell` template is `sh -c -- {{command}}`.
///
/// When the script cannot be told from the words (a value only known at
/// run time where an option may be, `-oNAME`, which bash and zsh read
/// differently), every word that may be it is a candidate and `problem`
/// says why, so that the call is unparsed rather than read one hopeful way.
struct ShellInlineScript {
    /// A `-c` is given: the shell runs a script from its arguments, not a
    /// file or its standard input (even when no script follows, an error).
    private(set) var isGiven = false
    /// The script, or each word that may be it.
    private(set) var candidates: [ShellWord] = []
    private(set) var problem: String?

    /// Shells whose `-c` takes the next word as its value (csh, tcsh: "the
    /// single following argument"; fish, nu, xonsh and others: an option
    /// with a value), rather than marking the first operand as the script.
    private static let valueFamilies: Set<String> = ["csh", "tcsh", "fish", "nu", "xonsh", "ion", "rc", "es"]

    init(shell name: String, _ args: [ShellWord]) {
        if Self.valueFamilies.contains(ShellInterpreters.family(of: name)) {
            if let c = args.firstIndex(where: { $0.text.hasPrefix("-") && !$0.text.hasPrefix("--") && $0.text.contains("c") }) {
                isGiven = true
                if c + 1 < args.count { candidates = [args[c + 1]] }
            }
            return
        }
        // bash, dash and ksh take `-o NAME` from the next word; zsh also takes
        // `-oNAME`. Where the two readings differ, the script is not known.
        let separate = Reading(args, attachedOptionNames: false)
        let attached = Reading(args, attachedOptionNames: true)
        isGiven = separate.isGiven || attached.isGiven
        var indices = separate.candidates(args.count)
        for k in attached.candidates(args.count) where !indices.contains(k) { indices.append(k) }
        candidates = indices.map { args[$0] }
        if separate.undecidedFrom != nil || attached.undecidedFrom != nil {
            problem = "\(name) -c: which word is the script depends on a value only known at run time"
        } else if separate.script != attached.script {
            problem = "\(name) -c: which word is the script depends on how this shell reads -oNAME"
        }
    }

    /// One reading of the options: where they end, and whether `-c` is among them.
    private struct Reading {
        var isGiven = false
        /// The index of the script.
        var script: Int?
        /// From this index on, any word may be the script: an option before
        /// it is only known at run time.
        var undecidedFrom: Int?

        init(_ args: [ShellWord], attachedOptionNames: Bool) {
            var k = 0
            while k < args.count {
                let word = args[k]
                let text = word.text
                let signed = text.hasPrefix("-") || text.hasPrefix("+")
                if word.isDynamic, signed || (isGiven && text.hasPrefix("$")) {
                    // `-$X` has letters nobody knows; after `-c`, `"$X"` may be an
                    // option or the script. Alone at the end, it leaves no other
                    // word to be the script.
                    if k + 1 < args.count { undecidedFrom = k; return }
                    if isGiven && !signed { script = k }
                    return
                }
                guard signed else { break }
                k += 1
                if text == "-" || text == "--" { break }   // both end the options
                if text.hasPrefix("--") {
                    // bash's long options; these two take a file.
                    if text == "--rcfile" || text == "--init-file" { k += 1 }
                    continue
                }
                var letters = text.dropFirst()
                while let letter = letters.popFirst() {
                    if letter == "c" { isGiven = true }
                    guard letter == "o" || letter == "O" else { continue }
                    if attachedOptionNames && !letters.isEmpty { break }
                    k += 1   // the option's name is the next word
                }
            }
            if isGiven && k < args.count { script = k }
        }

        /// The indices of the words that may be the script.
        func candidates(_ count: Int) -> [Int] {
            guard isGiven || undecidedFrom != nil else { return [] }
            if let from = undecidedFrom { return Array(from..<count) }
            return script.map { [$0] } ?? []
        }
    }
}
