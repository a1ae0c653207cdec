import Foundation

/// A chain hash as its 64 lowercase hex bytes, held inline as eight words
/// (no heap allocation), so the verifier compares a million stored hashes
/// with the ones it computes without building a `String` for either.
///
/// Anything stored in a hash column that is not exactly 64 bytes (a
/// tampered row) is kept as its raw bytes: equality then still means
/// "byte for byte the same text", exactly like comparing the strings.
struct HashText: Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The raw bytes when they are not 64 long; `nil` for a well-formed hash.
    private var irregular: [UInt8]?

    init(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 64, let base = bytes.baseAddress else {
            irregular = Array(bytes)
            return
        }
        words = Self.words(at: base)
    }

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { HashText(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Lowercase hex of a 32-byte digest.
    init(digest: some ContiguousBytes) {
        self = digest.withUnsafeBytes { raw in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { hex in
                for index in 0..<min(raw.count, 32) {
                    hex[index * 2] = Self.hexDigit(raw[index] >> 4)
                    hex[index * 2 + 1] = Self.hexDigit(raw[index] & 0x0f)
                }
                return HashText(bytes: UnsafeRawBufferPointer(hex))
            }
        }
    }

    /// Whether `bytes` hold exactly this hash text.
    func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let irregular { return irregular.elementsEqual(bytes) }
        guard bytes.count == 64, let base = bytes.baseAddress else { return false }
        let other = Self.words(at: base)
        return words.0 == other.0 && words.1 == other.1 && words.2 == other.2 && words.3 == other.3
            && words.4 == other.4 && words.5 == other.5 && words.6 == other.6 && words.7 == other.7
    }

    static func == (lhs: HashText, rhs: HashText) -> Bool {
        lhs.withBytes { rhs.matches($0) }
    }

    var string: String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }

    private func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        if let irregular { return irregular.withUnsafeBytes(body) }
        var copy = words
        return withUnsafeBytes(of: &copy) { body($0) }
    }

    private static func words(at base: UnsafeRawPointer) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        func word(_ index: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) }
        return (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 48 + nibble : 87 + nibble
    }
}
