/// Substring search and case mapping over UTF-8 bytes.
///
/// On Linux, `String.contains(_: String)` and `range(of:)` go through
/// Foundation's NSString bridge and cost microseconds each; the extractors
/// call them for every word against every pattern, so they use this instead.
extension String {
    func includes(_ needle: String) -> Bool { byteOffset(of: needle) != nil }

    /// Offset in UTF-8 bytes of the first occurrence of `needle`.
    func byteOffset(of needle: String) -> Int? {
        var haystack = self
        var pattern = needle
        return haystack.withUTF8 { h in pattern.withUTF8 { n in Self.search(h, n) } }
    }

    /// The text after the first occurrence of `needle`, if any.
    func after(_ needle: String) -> Substring? {
        guard let offset = byteOffset(of: needle) else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: offset + needle.utf8.count)
        return self[start...]
    }

    private static func search(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = n.first else { return 0 }
        guard h.count >= n.count else { return nil }
        var i = 0
        let last = h.count - n.count
        while i <= last {
            if h[i] == first {
                var k = 1
                while k < n.count, h[i + k] == n[k] { k += 1 }
                if k == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Lower-cases ASCII letters only: SQL keywords and identifiers are
    /// compared case-insensitively in ASCII, and Unicode case mapping costs
    /// far more per token.
    func asciiLowercased() -> String {
        // Over the contiguous bytes: walking `utf8` decodes index by index, and
        // this runs for the verb and every table name of every statement.
        var copy = self
        return copy.withUTF8 { bytes -> String in
            guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for k in bytes.indices { buffer[k] = bytes[k] >= 0x41 && bytes[k] <= 0x5A ? bytes[k] + 0x20 : bytes[k] }
                return bytes.count
            }
        }
    }
}
