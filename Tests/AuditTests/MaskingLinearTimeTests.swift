import AirlockCore
import Foundation
import Testing
@testable import Audit

/// Any agent can send these: the call is masked into `call.received` before
/// its tool is even validated. Each 1 MiB string must be masked in linear
/// time; the time limit is a hang detector (the quadratic patterns took
/// minutes on these), not a benchmark.
@Suite("Masking: linear time on hostile input", .timeLimit(.minutes(3)))
struct MaskingLinearTimeTests {
    let masker = Masker(tagKey: Data(repeating: 3, count: 32))
    static let size = 1 << 20

    static func repeated(_ unit: String, prefix: String = "", suffix: String = "") -> String {
        prefix + String(repeating: unit, count: size / unit.utf8.count) + suffix
    }

    static let shapes: [(String, String)] = [
        ("assignment key run", repeated("pass")),
        ("assignments that run to each window's end", repeated("pass=")),
        ("short assignments that run to each window's end", repeated("pwd=a")),
        ("assignment key run, auth", repeated("auth")),
        ("assignment keys with separators", repeated("password_")),
        ("assignment blanks", repeated(" ", prefix: "password", suffix: "x")),
        ("url scheme run", repeated("a", suffix: "://x")),
        ("url user run", repeated("b", prefix: "a://")),
        ("url password run", repeated("c", prefix: "a://b:")),
        ("url password with at signs", repeated("c@", prefix: "a://b:")),
        ("many urls", repeated("a://b:c")),
        ("sas signature", repeated("A", prefix: "?sig=")),
        ("bearer blanks", repeated(" ", prefix: "bearer")),
        ("aws secret blanks", repeated(" ", prefix: "aws key=")),
        ("jwt segments", repeated("eyJ")),
        ("email domain", repeated("a.b", prefix: "x@", suffix: "1")),
        ("email locals", repeated("a@")),
        ("private key headers", repeated("-----BEGIN PRIVATE KEY-----")),
        ("private key body without end", repeated("QUJD\n", prefix: "-----BEGIN PRIVATE KEY-----\n")),
        ("digits", repeated("4")),
        ("iban groups", repeated("AB12 ")),
        ("password flags", repeated("--password ")),
        ("mysql", repeated("mysql -u ")),
        ("sshpass", repeated("sshpass -d 3 ")),
        ("basic", repeated("basic ")),
    ]

    @Test(arguments: shapes)
    func oneMebibyteOfAShapeIsMaskedInLinearTime(name: String, text: String) {
        let masked = masker.mask(text)
        #expect(masked.utf8.count > 0, "\(name)")
        let json = masker.mask(JSONValue.object(["command": .string(text)]))
        #expect(json["command"] != nil)
    }

    /// Secrets on and around window edges are masked whole; the text
    /// around them stays.
    @Test func secretsAcrossScanWindowEdgesAreMaskedWhole() {
        let key = "AKIAIOSFODNN7EXAMPLE"
        let pem = "-----BEGIN RSA PRIVATE KEY-----\n"
            + String(repeating: "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n", count: 100)
            + "-----END RSA PRIVATE KEY-----"
        var text = ""
        var secretsPlaced = 0
        for edge in stride(from: ScanWindows.size - 10, to: 6 * ScanWindows.size, by: ScanWindows.size - ScanWindows.overlap) {
            text += String(repeating: "word ", count: max(0, (edge - text.utf8.count) / 5))
            text += secretsPlaced % 2 == 0 ? key : pem
            text += " after\(secretsPlaced) "
            secretsPlaced += 1
        }
        let masked = masker.mask(text)
        #expect(!masked.contains(key))
        #expect(!masked.contains("MIIEow"))
        for index in 0..<secretsPlaced { #expect(masked.contains(" after\(index) ")) }
        #expect(masked.components(separatedBy: "[REDACTED:").count == secretsPlaced + 1)
    }

    /// The arguments of a call are masked once, however many events carry them.
    @Test func argumentsAreMaskedOncePerCall() {
        let memo = ArgumentsMaskMemo()
        let arguments: JSONValue = ["token": "ghp_VmIbqUv9FSpWfx0HK4jxxDPZOXVKKbjMMFJx", "n": 1]
        let first = memo.masked(arguments, secrets: [], by: masker)
        #expect(first == masker.mask(arguments))
        #expect(memo.masked(arguments, secrets: ["x-secret-1"], by: masker) == masker.mask(arguments, secrets: ["x-secret-1"]))
        let other: JSONValue = ["token": "ghp_VmIbqUv9FSpWfx0HK4jxxDPZOXVKKbjMMFJy", "n": 1]
        #expect(memo.masked(other, secrets: [], by: masker) == masker.mask(other))
    }
}
