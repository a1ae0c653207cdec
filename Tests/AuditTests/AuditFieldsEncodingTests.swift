import AirlockCore
import Foundation
import Testing
@testable import Audit

/// `AuditFields` builds its snake_case trees directly; the records must be
/// exactly what the JSON-text route (JSONEncoder with the same key names)
/// gave, since existing trails, queries and SIEM rules read those shapes.
@Suite("Audit fields encoding")
struct AuditFieldsEncodingTests {
    /// The route `AuditFields` took before, kept here as the reference.
    private func throughText<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom { path in
            CamelKey(AuditFields.snakeCaseName(path.last?.stringValue ?? ""))
        }
        encoder.dateEncodingStrategy = .iso8601
        return try CanonicalJSON.parse(encoder.encode(value))
    }

    private struct CamelKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }

    @Test func runResultsAreWhatTheTextRouteGave() throws {
        let limited = SampleEvents.result(deniedSyscalls: ["ptrace", "mount"],
                                          limitsHit: [LimitHit(kind: .memory, limit: 1 << 20, evidence: "oom_kill=1")])
        for result in [limited, SampleEvents.result()] {
            let direct = AuditFields.snakeCase(result)
            #expect(direct == (try throughText(result)), "\(direct.canonicalText)")
            // The shapes queries read: acronyms kept whole, the manifest's
            // limits (a dictionary: data, not field names) left as they are.
            let text = direct.canonicalText
            #expect(text.contains("\"denied_syscalls\"") && text.contains("\"user_cpu_seconds\"") && text.contains("\"landlock_abi\""))
            #expect(!text.contains("deniedSyscalls"))
        }
    }

    @Test func decisionsKeepTheirFactsKeys() throws {
        let decision = Decision(effect: .deny, ruleIDs: ["r-1"], reasons: ["why"],
                                facts: ["sql.dropsSchema": true, "camelCaseFact": ["innerKey": 1]], policyRevision: "rev-2")
        let direct = AuditFields.snakeCase(decision)
        #expect(direct == (try throughText(decision)), "\(direct.canonicalText)")
        #expect(direct.canonicalText.contains("\"rule_ids\"") && direct.canonicalText.contains("\"camelCaseFact\""))
    }

    /// A `[String: _]` member's keys are data: renamed by neither route.
    @Test func dictionaryKeysStayAsTheyAre() throws {
        struct Sample: Encodable {
            var fieldName = 1
            var table: [String: [String: Int]] = ["keyName": ["innerName": 2]]
            var optionalValue: String? = nil
        }
        let direct = AuditFields.snakeCase(Sample())
        #expect(direct == (try throughText(Sample())), "\(direct.canonicalText)")
        #expect(direct.canonicalText == #"{"field_name":1,"table":{"keyName":{"innerName":2}}}"#)
    }
}
