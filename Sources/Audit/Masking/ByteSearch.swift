import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Substring tests on UTF-8 bytes. Foundation's `String.contains` goes
/// through CFString and showed up as the top cost of masking an event; a
/// generic slice comparison was next (every detector's trigger is tested
/// against every string of every event), so candidates are found with
/// libc's vectorised `memchr` and confirmed with `memcmp`.
enum ByteSearch {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard var cursor = hay.baseAddress, let pinStart = pin.baseAddress else { return false }
                let end = cursor + (hay.count - pin.count + 1)
                while cursor < end {
                    guard let candidate = memchr(cursor, Int32(first), end - cursor) else { return false }
                    if memcmp(candidate, pinStart, pin.count) == 0 { return true }
                    cursor = UnsafeRawPointer(candidate) + 1
                }
                return false
            }
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool { contains(haystack, Array(needle.utf8)) }

    static func hasSuffix(_ bytes: [UInt8], _ suffix: String) -> Bool { bytes.reversed().starts(with: suffix.utf8.reversed()) }
}
