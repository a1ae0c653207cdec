/// One pass over a text's bytes, so that most detectors are skipped
/// without running their regex (most audit strings are paths, SQL, words).
struct TextFeatures {
    let bytes: [UInt8]
    let lowered: [UInt8]
    let digitCount: Int
    let hasCountryAndCheckDigits: Bool
    /// An `@` with a `.` somewhere after it.
    let hasAtSignThenDot: Bool

    init(_ text: String) {
        let bytes = Array(text.utf8)
        let digitCount = bytes.reduce(0) { $0 + ($1 >= 48 && $1 <= 57 ? 1 : 0) }
        self.bytes = bytes
        self.lowered = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        self.digitCount = digitCount
        self.hasCountryAndCheckDigits = digitCount >= 2 && bytes.indices.dropLast(3).contains { index in
            (65...90).contains(bytes[index]) && (65...90).contains(bytes[index + 1])
                && (48...57).contains(bytes[index + 2]) && (48...57).contains(bytes[index + 3])
        }
        self.hasAtSignThenDot = bytes.firstIndex(of: UInt8(ascii: "@")).map { bytes[$0...].contains(UInt8(ascii: ".")) } ?? false
    }
}
