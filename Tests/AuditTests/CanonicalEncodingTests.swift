import AirlockCore
import Foundation
import Testing
@testable import Audit

@Suite("Audit's fast encoders agree with the reference ones")
struct CanonicalEncodingTests {
    @Test(arguments: [
        JSONValue.null, true, false, 0, -42, .int(Int64.max), 1.5, -0.25, 1e21,
        "", "plain", "quote \" backslash \\ slash /", "controls \n\r\t\u{08}\u{0C}\u{01}\u{1F}", "unicode é 漢字 🙂 \u{7F}",
        ["b": 1, "a": [1, "x", nil], "é": true, "A": ["nested": "yes"], "": 0],
        [[], [:], [[1, 2], ["k": [3]]]],
        ["\u{FFFD}": 1, "🙂": 2, "\u{E000}": 3, "\u{D7FF}": 4, "a": 5, "😀x": 6, "😀": 7, "ab": 8, "é": 9, "\u{FFFF}z": 10],
    ] as [JSONValue])
    func canonicalBytesMatchCanonicalJSON(_ value: JSONValue) {
        #expect(CanonicalBytes.encode(value) == CanonicalJSON.encode(value))
    }

    /// Every pair, both ways, against the UTF-16 view's order (RFC 8785's).
    @Test func keyOrderIsUTF16Order() {
        let keys = ["", "a", "ab", "b", "é", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFD}",
                    "\u{FFFF}", "\u{10000}", "🙂", "😀", "😀x", "\u{10FFFF}", "漢", "漢字"]
        for left in keys {
            for right in keys {
                #expect(CanonicalBytes.utf16Precedes(left, right) == left.utf16.lexicographicallyPrecedes(right.utf16),
                        "\(left.unicodeScalars.map(\.value)) vs \(right.unicodeScalars.map(\.value))")
            }
        }
    }

    @Test func eventContentEncodesIdentically() {
        let call = SampleEvents.call(arguments: ["query": "select 'ü' from t where x = \"y\"\n", "n": 3, "f": 0.5])
        let content = EventContent.json(for: AuditEvent(kind: .callReceived, call: call), masker: Masker(), secrets: [])
        #expect(CanonicalBytes.encode(content) == content.canonicalText)
    }

    @Test(arguments: [0.0, 1.0, 1_732_181_234.123456, 1_732_181_234.999_999, 4_102_444_800.5])
    func timeFormatsAndParsesBack(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let text = AuditTime.format(date)
        #expect(text.count == 27)
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(reference.date(from: text).map { abs($0.timeIntervalSince1970 - seconds) < 0.001 } == true)
        let parsed = try #require(AuditTime.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.000_002)
        #expect(AuditTime.format(parsed) == text)
    }
}
