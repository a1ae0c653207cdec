/// Substring tests on UTF-8 bytes. Foundation's `String.contains` goes
/// through CFString and showed up as the top cost of masking an event.
enum ByteSearch {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool { contains(haystack, Array(needle.utf8)) }

    static func hasSuffix(_ bytes: [UInt8], _ suffix: String) -> Bool { bytes.reversed().starts(with: suffix.utf8.reversed()) }
}
