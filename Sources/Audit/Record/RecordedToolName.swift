import AirlockCore

/// The tool name as an audit record stores it. The caller picks it like
/// the arguments: a call that names no tool of the catalog carries any
/// text up to the frame limit (a token pasted by mistake, a megabyte meant
/// to fill the disk). So it is masked like the arguments, and a name
/// longer than `maximumBytes` (before or after masking) is cut there, the
/// record saying so (`tool_truncated`, and the size of the name sent in
/// `tool_bytes`), as a malformed call's arguments are kept only as a
/// preview. A catalog tool's name is 1 to 64 characters of
/// `A-Z a-z 0-9 _ . -` and is never cut.
enum RecordedToolName {
    /// Four times the longest name a catalog tool can have.
    static let maximumBytes = 256
    /// How much of a long name is masked before it is cut: masking a
    /// megabyte to keep 256 bytes of it would cost what the cap saves. A
    /// secret would have to start in the kept part and run past here to
    /// be cut before the detectors saw all of it.
    static let maskedBytes = 4096

    /// The stored name, and the size of the name sent when it was cut.
    static func masked(_ tool: String, masker: Masker, secrets: [String]) -> (name: String, cutFromBytes: Int?) {
        let bytes = tool.utf8.count
        let name = masker.mask(String(prefix(of: tool, bytes: maskedBytes)), secrets: secrets)
        guard bytes > maximumBytes || name.utf8.count > maximumBytes else { return (name, nil) }
        return (String(prefix(of: name, bytes: maximumBytes)), bytes)
    }

    /// The longest prefix of `text` of at most `bytes` UTF-8 bytes that
    /// ends between two Unicode scalars (never inside one).
    private static func prefix(of text: String, bytes: Int) -> Substring {
        guard text.utf8.count > bytes else { return text[...] }
        var end = text.utf8.index(text.startIndex, offsetBy: bytes)
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
        return text[..<end]
    }
}
