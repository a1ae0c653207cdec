import AirlockCore
import Foundation
import Testing
@testable import Guardrails

/// The labelled corpus run against the default policy. A false allow (a
/// call allowed whose label says deny or review) fails the suite; false
/// denies are counted and reported, and must stay at zero too unless a
/// label is consciously changed.
@Suite struct CorpusTests {
    static func corpusFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: TestFiles.corpusDirectory.path)
            .filter { $0.hasSuffix(".yaml") && $0 != "catalog.yaml" }.sorted()
            .map { TestFiles.corpusDirectory.appendingPathComponent($0).path }
    }

    @Test func corpusHasNoFalseAllowsAndReportsFalseDenies() throws {
        let policy = try Policy.load(path: TestFiles.defaultPolicy)
        let catalog = try IntentCatalog.load(path: TestFiles.catalog)
        var total = 0, falseAllows = 0, falseDenies = 0, otherMismatches = 0
        for file in try Self.corpusFiles() {
            let suite = try PolicyTestSuite.load(path: file, catalog: catalog)
            for outcome in suite.run(against: policy) {
                total += 1
                if outcome.isFalseAllow { falseAllows += 1 } else if outcome.isFalseDeny { falseDenies += 1 } else if !outcome.passed { otherMismatches += 1 }
                if !outcome.passed {
                    let where_ = "\((file as NSString).lastPathComponent):\(outcome.testCase.line)"
                    print("MISMATCH \(where_) expected \(outcome.testCase.expect.rawValue) got \(outcome.decision.effect.rawValue) \(outcome.decision.ruleIDs): \(outcome.testCase.name)")
                }
            }
        }
        print("corpus: \(total) calls, false allows: \(falseAllows), false denies: \(falseDenies), other mismatches: \(otherMismatches)")
        #expect(total >= 300)
        #expect(falseAllows == 0)
        #expect(falseDenies == 0)
        #expect(otherMismatches == 0)
    }

    @Test func exampleTestCasesPassAgainstTheDefaultPolicy() throws {
        let policy = try Policy.load(path: TestFiles.defaultPolicy)
        let suite = try PolicyTestSuite.load(path: TestFiles.policyTests)
        let failures = suite.run(against: policy).filter { !$0.passed }
        for f in failures { print("FAIL line \(f.testCase.line): \(f.testCase.name) → \(f.decision.effect) \(f.decision.reasons)") }
        #expect(failures.isEmpty)
        #expect(suite.cases.count >= 10)
    }
}
