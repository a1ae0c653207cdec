/// Splits a condition into tokens. Hand-written (no regex) so that errors
/// carry exact positions and the lexer has no dependency to compile.
struct ConditionLexer {
    enum Token: Sendable, Equatable {
        case identifier(String)
        case int(Int64)
        case double(Double)
        case string(String)
        case symbol(String)
        case end
    }

    struct Located: Sendable {
        var token: Token
        var position: SourcePosition
    }

    static func tokenize(_ text: String) throws(ConditionError) -> [Located] {
        let chars = Array(text.unicodeScalars)
        var out: [Located] = []
        var i = 0
        var line = 1
        var lineStart = 0
        func position(_ at: Int) -> SourcePosition { SourcePosition(line: line, column: at - lineStart + 1) }

        while i < chars.count {
            let c = chars[i]
            if c == "\n" { i += 1; line += 1; lineStart = i; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            let start = i
            if c.properties.isAlphabetic || c == "_" {
                while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || ("0"..."9").contains(chars[i]) { i += 1 }
                out.append(Located(token: .identifier(String(String.UnicodeScalarView(chars[start..<i]))), position: position(start)))
                continue
            }
            if ("0"..."9").contains(c) {
                while i < chars.count, ("0"..."9").contains(chars[i]) || chars[i] == "." { i += 1 }
                let literal = String(String.UnicodeScalarView(chars[start..<i]))
                if let value = Int64(literal) {
                    out.append(Located(token: .int(value), position: position(start)))
                } else if let value = Double(literal) {
                    out.append(Located(token: .double(value), position: position(start)))
                } else {
                    throw ConditionError(position: position(start), message: "malformed number '\(literal)'")
                }
                continue
            }
            if c == "\"" || c == "'" {
                i += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == c { closed = true; i += 1; break }
                    if d == "\n" { break }
                    if d == "\\", i + 1 < chars.count {
                        let e = chars[i + 1]
                        switch e {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\\", "\"", "'": value.append(e)
                        default:
                            // Keep unknown escapes verbatim so regex escapes like \d survive.
                            value.append("\\"); value.append(e)
                        }
                        i += 2
                        continue
                    }
                    value.append(d)
                    i += 1
                }
                guard closed else { throw ConditionError(position: position(start), message: "unterminated string literal") }
                out.append(Located(token: .string(String(value)), position: position(start)))
                continue
            }
            let two = i + 1 < chars.count ? String(String.UnicodeScalarView([c, chars[i + 1]])) : ""
            if ["&&", "||", "==", "!=", "<=", ">="].contains(two) {
                out.append(Located(token: .symbol(two), position: position(start)))
                i += 2
                continue
            }
            if "()[].,!<>-".unicodeScalars.contains(c) {
                out.append(Located(token: .symbol(String(c)), position: position(start)))
                i += 1
                continue
            }
            throw ConditionError(position: position(start), message: "unexpected character '\(c)'")
        }
        out.append(Located(token: .end, position: position(i)))
        return out
    }
}
