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
    ] as [JSONValue])
    func canonicalBytesMatchCanonicalJSON(_ value: JSONValue) {
        #expect(CanonicalBytes.encode(value) == CanonicalJSON.encode(value))
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
