import AirlockCore
import Foundation
import Testing
@testable import Audit

/// The corpus: real-shaped secrets and PII that must be masked with the
/// right type, and look-alikes that must be left alone (Luhn-valid
/// timestamps, UUIDs, git SHAs, placeholders, publishable keys...).
/// Format (tab-separated): expect (mask|keep), type, injected secret or -,
/// text with `\n` for newlines.
struct CorpusEntry: Sendable, CustomStringConvertible {
    var shouldMask: Bool
    var type: String
    var secrets: [String]
    var text: String
    var description: String { "\(shouldMask ? "mask" : "keep") \(type): \(text.prefix(60))" }

    static func load() throws -> [CorpusEntry] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/masking-corpus.tsv")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let columns = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4 else { throw AirlockError(.invalidArguments, "bad corpus line: \(line)") }
            return CorpusEntry(shouldMask: columns[0] == "mask", type: columns[1],
                               secrets: columns[2] == "-" ? [] : [columns[2]],
                               text: columns[3].replacingOccurrences(of: "\\n", with: "\n"))
        }
    }
}

@Suite("Masking corpus")
struct MaskingCorpusTests {
    let masker = Masker(tagKey: Data(repeating: 7, count: 32))

    @Test func corpusIsLargeEnoughAndCoversEveryType() throws {
        let corpus = try CorpusEntry.load()
        #expect(corpus.count >= 100)
        #expect(corpus.filter { !$0.shouldMask }.count >= 30)
        let types = Set(corpus.filter(\.shouldMask).map(\.type))
        let required: Set = ["private_key", "aws_key", "gcp_key", "azure_key", "github_token", "gitlab_token",
                             "slack_token", "stripe_key", "jwt", "assignment", "card_number", "iban", "email",
                             "ssn", "secret"]
        #expect(required.isSubset(of: types))
    }

    /// Recall: every positive is found with its expected type. False
    /// positives: no look-alike is touched. Both asserted as exact counts.
    @Test func recallAndFalsePositives() throws {
        let corpus = try CorpusEntry.load()
        let positives = corpus.filter(\.shouldMask)
        let negatives = corpus.filter { !$0.shouldMask }
        let missed = positives.filter { entry in
            !masker.findings(in: entry.text, secrets: entry.secrets).contains { $0.type == entry.type }
        }
        let falsePositives = negatives.filter { !masker.findings(in: $0.text).isEmpty }
        print("masking corpus: recall \(positives.count - missed.count)/\(positives.count), "
              + "false positives \(falsePositives.count)/\(negatives.count)")
        #expect(missed.isEmpty, "missed: \(missed)")
        #expect(falsePositives.isEmpty, "false positives: \(falsePositives.map { ($0.text, masker.mask($0.text)) })")
    }

    @Test func maskedTextNoLongerContainsInjectedSecrets() throws {
        for entry in try CorpusEntry.load() where !entry.secrets.isEmpty {
            let masked = masker.mask(entry.text, secrets: entry.secrets)
            #expect(!masked.contains(entry.secrets[0]))
            #expect(masked.contains("[REDACTED:secret:"))
        }
    }
}
