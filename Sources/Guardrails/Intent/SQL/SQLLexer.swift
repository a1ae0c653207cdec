/// A token of SQL text.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Keyword or bare identifier; `text` is upper-cased for keyword tests.
        case word
        /// "ident", `ident` or [ident]; `text` is the name without quotes.
        case quotedIdentifier
        case string
        case number
        case symbol
        case semicolon
    }

    var kind: Kind
    var text: String

    /// The length test first: it is inlined, while comparing two different
    /// strings is a call, and the analyzer asks this of nearly every token.
    func isWord(_ upper: String) -> Bool { kind == .word && text.utf8.count == upper.utf8.count && text == upper }
}

/// Splits SQL into statements of tokens across the dialects an agent may
/// target (PostgreSQL, MySQL, SQLite, SQL Server).
///
/// Comments are dropped (they separate tokens, so `DROP/**/TABLE` is two
/// keywords), except MySQL's and MariaDB's executable comments `/*! ... */`
/// and `/*M! ... */`, whose body the server runs and so are lexed as code.
/// Anything that cannot be lexed the same way by every dialect is reported
/// in `problems` and becomes the `unparsed` fact, and is lexed the way that
/// shows more code:
/// - an unterminated quote or comment;
/// - a backslash before a quote (an escape in MySQL only);
/// - `/*` inside a comment (PostgreSQL nests comments, the others end at the
///   first `*/`: lexed as ending there);
/// - `#` (a comment in MySQL only: lexed as a symbol);
/// - `--` not followed by a space (two minus signs in MySQL: lexed as such).
///
/// Dollar quoting (`$$...$$`, `$tag$...$tag$`) is PostgreSQL's; MySQL and
/// SQLite read `$tag$` as a name. `dollarQuotes: false` lexes that reading,
/// and `sawDollarQuote` tells the extractor it has to look at both.
struct SQLLexer {
    private(set) var statements: [[SQLToken]] = []
    private(set) var problems: [String] = []
    private(set) var sawDollarQuote = false
    private let dollarQuotes: Bool

    /// The text's UTF-8 in place: slicing a buffer pointer per token neither
    /// copies the script nor retains and releases an array for every token.
    private typealias Bytes = UnsafeBufferPointer<UInt8>

    init(_ text: String, dollarQuotes: Bool = true) {
        self.dollarQuotes = dollarQuotes
        var text = text
        var current: [SQLToken] = []
        current.reserveCapacity(64)
        text.withUTF8 { bytes in lex(bytes, into: &current) }
        if !current.isEmpty { statements.append(current) }
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x24 || b >= 0x80
    }

    private static func text(_ bytes: Slice<Bytes>) -> String { String(decoding: Bytes(rebasing: bytes), as: UTF8.self) }

    /// ASCII upper-casing byte by byte: keywords are ASCII, and this avoids
    /// Unicode case mapping on every token of a large script.
    private static func upperText(_ slice: Slice<Bytes>) -> String {
        let bytes = Bytes(rebasing: slice)
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7A }
        guard hasLower else { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for k in bytes.indices { buffer[k] = bytes[k] >= 0x61 && bytes[k] <= 0x7A ? bytes[k] - 0x20 : bytes[k] }
            return bytes.count
        }
    }

    /// One pass over the text. An executable comment's body is lexed in the
    /// same loop (its closing `*/` ends it), never by a recursive call: a run
    /// of `/*!` openers must not cost a stack frame each.
    private mutating func lex(_ b: Bytes, into current: inout [SQLToken]) {
        let n = b.count
        var i = 0
        var inExecutableComment = false
        while i < n {
            let c = b[i]
            let next: UInt8 = i + 1 < n ? b[i + 1] : 0
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                i += 1
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                let after: UInt8 = i + 2 < n ? b[i + 2] : 0x20
                guard after <= 0x20 else {
                    // MySQL needs a space after `--`; without one it reads two minus signs and runs what follows.
                    if Self.restOfLineHasCode(b, after: i + 2) { problem("'--' without a space after it is a comment in most dialects but two minus signs in MySQL") }
                    current.append(SQLToken(kind: .symbol, text: "-"))
                    i += 1
                    continue
                }
                while i < n, b[i] != 0x0A { i += 1 }
            case UInt8(ascii: "#"):
                // A comment in MySQL, an operator or a syntax error elsewhere: SQLite runs what follows.
                if Self.restOfLineHasCode(b, after: i + 1) { problem("'#' starts a comment in MySQL only; PostgreSQL, SQLite and SQL Server run what follows") }
                current.append(SQLToken(kind: .symbol, text: "#"))
                i += 1
            case UInt8(ascii: "*") where next == UInt8(ascii: "/") && inExecutableComment:
                inExecutableComment = false
                i += 2
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                if let bodyStart = executableCommentBody(b, at: i) {
                    if inExecutableComment { problem("an executable comment /*! inside another: dialects disagree where each ends") }
                    inExecutableComment = true
                    i = bodyStart
                } else {
                    if inExecutableComment { problem("a comment inside an executable comment /*!: dialects disagree where each ends") }
                    skipBlockComment(b, from: &i)
                }
            case UInt8(ascii: ";"):
                if !current.isEmpty {
                    statements.append(current)
                    current.removeAll(keepingCapacity: true)
                }
                i += 1
            case UInt8(ascii: "'"):
                let escapes = i > 0 && (b[i - 1] == UInt8(ascii: "E") || b[i - 1] == UInt8(ascii: "e")) && current.last?.text == "E"
                if escapes { current.removeLast() }
                current.append(SQLToken(kind: .string, text: lexQuoted(b, from: &i, quote: c, backslashEscapes: escapes)))
            case UInt8(ascii: "\""), UInt8(ascii: "`"):
                current.append(SQLToken(kind: .quotedIdentifier, text: lexQuoted(b, from: &i, quote: c, backslashEscapes: false)))
            case UInt8(ascii: "[") where current.last.map({ $0.kind == .word || $0.isSymbol(".") || $0.isSymbol(",") }) ?? true:
                // SQL Server bracket identifier; PostgreSQL array subscripts follow a value, not a keyword.
                let start = i + 1
                while i < n, b[i] != UInt8(ascii: "]") { i += 1 }
                if i >= n { problem("unterminated [identifier]") }
                current.append(SQLToken(kind: .quotedIdentifier, text: Self.text(b[start..<min(i, n)])))
                i += 1
            case UInt8(ascii: "$") where dollarQuotes && dollarTag(b, at: i) != nil:
                sawDollarQuote = true
                let tag = dollarTag(b, at: i)!
                i += tag.count
                let start = i
                var closed = false
                while i < n {
                    if b[i] == UInt8(ascii: "$"), i + tag.count <= n, Array(b[i..<(i + tag.count)]) == tag { closed = true; break }
                    i += 1
                }
                if !closed { problem("unterminated dollar-quoted string") }
                current.append(SQLToken(kind: .string, text: Self.text(b[start..<min(i, n)])))
                i = min(n, i + tag.count)
            case _ where c >= 0x30 && c <= 0x39:
                let start = i
                while i < n, Self.isIdentifierByte(b[i]) || b[i] == UInt8(ascii: ".") { i += 1 }
                current.append(SQLToken(kind: .number, text: Self.text(b[start..<i])))
            case _ where Self.isIdentifierByte(c):
                let start = i
                while i < n, Self.isIdentifierByte(b[i]) { i += 1 }
                current.append(SQLToken(kind: .word, text: Self.upperText(b[start..<i])))
            default:
                if Self.isTwoByteOperator(c, next) {
                    current.append(SQLToken(kind: .symbol, text: Self.text(b[i..<(i + 2)])))
                    i += 2
                } else {
                    current.append(SQLToken(kind: .symbol, text: String(UnicodeScalar(c))))
                    i += 1
                }
            }
        }
        if inExecutableComment { problem("unterminated /*! comment") }
    }

    private mutating func problem(_ message: String) {
        if !problems.contains(message) { problems.append(message) }
    }

    /// Whether anything but blanks follows `start` on its line.
    private static func restOfLineHasCode(_ b: Bytes, after start: Int) -> Bool {
        var j = start
        while j < b.count, b[j] != 0x0A {
            if b[j] > 0x20 { return true }
            j += 1
        }
        return false
    }

    /// `<>`, `!=`, `<=`, `>=`, `||`, `::`.
    private static func isTwoByteOperator(_ a: UInt8, _ b: UInt8) -> Bool {
        switch (a, b) {
        case (UInt8(ascii: "<"), UInt8(ascii: ">")), (UInt8(ascii: "!"), UInt8(ascii: "=")), (UInt8(ascii: "<"), UInt8(ascii: "=")),
             (UInt8(ascii: ">"), UInt8(ascii: "=")), (UInt8(ascii: "|"), UInt8(ascii: "|")), (UInt8(ascii: ":"), UInt8(ascii: ":")): true
        default: false
        }
    }

    /// Where the body of a MySQL executable comment `/*!` or a MariaDB one
    /// `/*M!` (optionally with a version, `/*!50000`) starts, or nil for any
    /// other comment. The server runs that body, so it is lexed as code.
    private func executableCommentBody(_ b: Bytes, at i: Int) -> Int? {
        var j = i + 2
        if j < b.count, b[j] == UInt8(ascii: "M") { j += 1 }
        guard j < b.count, b[j] == UInt8(ascii: "!") else { return nil }
        j += 1
        while j < b.count, b[j] >= 0x30, b[j] <= 0x39 { j += 1 }
        return j
    }

    /// Skips `/* ... */` up to the first `*/`. PostgreSQL alone nests
    /// comments, so a `/*` inside one is reported: there, the comment goes on
    /// past this `*/`, and what the other dialects run is lexed after it.
    private mutating func skipBlockComment(_ b: Bytes, from i: inout Int) {
        let n = b.count
        i += 2
        while i < n {
            if b[i] == UInt8(ascii: "/"), i + 1 < n, b[i + 1] == UInt8(ascii: "*") {
                problem("'/*' inside a comment: PostgreSQL nests comments, the other dialects end them at the first '*/'")
                i += 2
                continue
            }
            if b[i] == UInt8(ascii: "*"), i + 1 < n, b[i + 1] == UInt8(ascii: "/") {
                i += 2
                return
            }
            i += 1
        }
        problem("unterminated /* comment")
    }

    /// Lexes a quoted run starting at the opening quote; a doubled quote is
    /// a literal quote in every dialect. A backslash right before a quote is
    /// an escape in MySQL but not in standard SQL, so the statement could
    /// end in different places: that is reported, never guessed.
    private mutating func lexQuoted(_ b: Bytes, from i: inout Int, quote: UInt8, backslashEscapes: Bool) -> String {
        let n = b.count
        i += 1
        // Most strings hold neither a doubled quote nor a backslash: their text
        // is a slice of the input, without a byte buffer of their own.
        let start = i
        var end = start
        while end < n, b[end] != quote, b[end] != UInt8(ascii: "\\") { end += 1 }
        if end < n, b[end] == quote, !(end + 1 < n && b[end + 1] == quote) {
            i = end + 1
            return Self.text(b[start..<end])
        }
        var out: [UInt8] = []
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "\\") && i + 1 < n {
                if backslashEscapes { out.append(b[i + 1]); i += 2; continue }
                if b[i + 1] == quote { problem("backslash before a quote: dialects disagree where this string ends") }
            }
            if c == quote {
                if i + 1 < n, b[i + 1] == quote { out.append(quote); i += 2; continue }
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            out.append(c)
            i += 1
        }
        problem("unterminated quoted string")
        return String(decoding: out, as: UTF8.self)
    }

    /// `$$` or `$tag$` at `i`, as bytes including both dollars.
    private func dollarTag(_ b: Bytes, at i: Int) -> [UInt8]? {
        if i > 0, Self.isIdentifierByte(b[i - 1]) { return nil }   // `a$b` is an identifier
        var j = i + 1
        while j < b.count, b[j] != UInt8(ascii: "$") {
            let c = b[j]
            guard (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || (j > i + 1 && c >= 0x30 && c <= 0x39) else { return nil }
            j += 1
        }
        return j < b.count ? Array(b[i...j]) : nil
    }
}

extension SQLToken {
    /// Byte by byte: symbols are one or two ASCII bytes, and the analyzer
    /// asks this of nearly every token while matching parentheses.
    func isSymbol(_ s: String) -> Bool { kind == .symbol && text.utf8.elementsEqual(s.utf8) }
}
