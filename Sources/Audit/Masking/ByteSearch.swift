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
        haystack.withUnsafeBytes { hay in needle.withUnsafeBytes { pin in contains(hay, pin) } }
    }

    static func contains(_ hay: UnsafeRawBufferPointer, _ pin: UnsafeRawBufferPointer) -> Bool {
        guard let pinStart = pin.baseAddress, pin.count > 0 else { return true }
        guard var cursor = hay.baseAddress, hay.count >= pin.count else { return false }
        let first = Int32(pin[0])
        let end = cursor + (hay.count - pin.count + 1)
        while cursor < end {
            guard let candidate = memchr(cursor, first, end - cursor) else { return false }
            if memcmp(candidate, pinStart, pin.count) == 0 { return true }
            cursor = UnsafeRawPointer(candidate) + 1
        }
        return false
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool { contains(haystack, Array(needle.utf8)) }

    static func hasSuffix(_ bytes: [UInt8], _ suffix: String) -> Bool { bytes.reversed().starts(with: suffix.utf8.reversed()) }
}
