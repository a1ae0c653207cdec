import Testing
@testable import Audit

/// The flattened trigger table must fire exactly where each detector's own
/// trigger says to: a detector it fails to fire is a regex that never runs.
@Suite("Audit masking: trigger table")
struct TriggerTableTests {
    private func fires(_ detector: Int, on text: String) -> Bool {
        SecretDetector.triggers.firing(in: TextFeatures(text)) & (1 << detector) != 0
    }

    @Test func everyTriggerFiresItsDetectorAndOnlyWhenPresent() {
        for (index, detector) in SecretDetector.all.enumerated() {
            switch detector.prefilter {
            case .anyOf(let needles):
                for needle in needles {
                    #expect(fires(index, on: "xx " + String(decoding: needle, as: UTF8.self) + " yy"), "\(detector.type)")
                }
            case .anyOfLowercased(let needles):
                for needle in needles {
                    #expect(fires(index, on: "xx " + String(decoding: needle, as: UTF8.self).uppercased() + " yy"),
                            "\(detector.type)")
                }
            case .digits(let minimum):
                #expect(fires(index, on: "n " + String(repeating: "4", count: minimum)), "\(detector.type)")
                #expect(!fires(index, on: "n " + String(repeating: "4", count: minimum - 1)), "\(detector.type)")
            case .countryAndCheckDigits:
                #expect(fires(index, on: "iban GB82 WEST"))
                #expect(!fires(index, on: "iban gb82 west"))
            case .atSignThenDot:
                #expect(fires(index, on: "mail a@b.io"))
                #expect(!fires(index, on: "mail a.b@io"))
            }
        }
        #expect(SecretDetector.triggers.firing(in: TextFeatures("plain words only")) == 0)
    }

    @Test func secretKeysAreRecognised() {
        #expect(SecretDetector.isSecretKey("DB_PASSWORD"))
        #expect(SecretDetector.isSecretKey("x-api-key"))
        #expect(SecretDetector.isSecretKey("Authorization"))
        #expect(!SecretDetector.isSecretKey("token_id"))
        #expect(!SecretDetector.isSecretKey("arguments_digest"))
        #expect(!SecretDetector.isSecretKey("query"))
    }
}
