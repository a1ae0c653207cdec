import AirlockCore
import Testing
@testable import Executor

@Suite("JSON Schema validation")
struct JSONSchemaTests {
    let schema: JSONSchema

    init() throws {
        schema = try JSONSchema([
            "type": "object",
            "properties": [
                "name": ["type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"],
                "count": ["type": "integer", "minimum": 1, "maximum": 10],
                "ratio": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1],
                "mode": ["enum": ["fast", "safe"]],
                "tags": ["type": "array", "items": ["type": "string", "maxLength": 3], "maxItems": 2],
                "nested": ["type": "object", "properties": ["flag": ["type": "boolean"]], "additionalProperties": false],
            ],
            "required": ["name"],
            "additionalProperties": false,
        ])
    }

    func messages(_ value: JSONValue) -> [String] { schema.violations(of: value).map(\.description) }

    @Test func acceptsAValidDocument() {
        #expect(messages(["name": "abc", "count": 3, "ratio": 0.5, "mode": "safe", "tags": ["a"], "nested": ["flag": true]]) == [])
    }

    @Test func integerValuedDoubleIsAnInteger() {
        #expect(messages(["name": "abc", "count": .double(3.0)]) == [])
        #expect(messages(["name": "abc", "count": .double(3.5)]) == ["$.count: expected integer, got number"])
    }

    @Test func reportsEachViolationWithItsPath() {
        #expect(messages([:]) == ["$: missing required property 'name'"])
        #expect(messages(["name": 5]) == ["$.name: expected string, got integer"])
        #expect(messages(["name": "a"]) == ["$.name: must be at least 2 characters long"])
        #expect(messages(["name": "abcdef"]) == ["$.name: must be at most 5 characters long (got 6)"])
        #expect(messages(["name": "AB"]) == ["$.name: does not match pattern ^[a-z]+$"])
        #expect(messages(["name": "ab", "count": 0]) == ["$.count: must be ≥ 1"])
        #expect(messages(["name": "ab", "count": 11]) == ["$.count: must be ≤ 10"])
        #expect(messages(["name": "ab", "ratio": 1]) == ["$.ratio: must be < 1"])
        #expect(messages(["name": "ab", "ratio": 0]) == ["$.ratio: must be > 0"])
        #expect(messages(["name": "ab", "mode": "yolo"]) == ["$.mode: must be one of: \"fast\", \"safe\""])
        #expect(messages(["name": "ab", "tags": ["a", "toolong"]]) == ["$.tags[1]: must be at most 3 characters long (got 7)"])
        #expect(messages(["name": "ab", "tags": ["a", "b", "c"]]) == ["$.tags: must have at most 2 items"])
        #expect(messages(["name": "ab", "nested": ["flag": "yes"]]) == ["$.nested.flag: expected boolean, got string"])
        #expect(messages(["name": "ab", "nested": ["other": 1]]) == ["$.nested.other: unknown property (allowed: flag)"])
        #expect(messages(["name": "ab", "extra": 1]).first?.hasPrefix("$.extra: unknown property") == true)
    }

    @Test func lengthCountsCharactersNotBytes() {
        #expect(messages(["name": "éé"]).contains { $0.contains("pattern") })
        #expect(!messages(["name": "éé"]).contains { $0.contains("characters long") })
    }

    @Test func rejectsKeywordsItDoesNotEnforce() {
        #expect(throws: AirlockError.self) { try JSONSchema(["type": "string", "format": "uri"]) }
        #expect(throws: AirlockError.self) { try JSONSchema(["oneOf": [["type": "string"]]]) }
        #expect(throws: AirlockError.self) { try JSONSchema(["type": "strin"]) }
        #expect(throws: AirlockError.self) { try JSONSchema(["type": "string", "pattern": "("]) }
    }

    @Test func keepsAnnotations() throws {
        let annotated = try JSONSchema(["type": "string", "description": "d", "title": "t", "default": "x"])
        #expect(annotated.source["description"] == "d")
    }

    @Test func capsTheNumberOfViolations() throws {
        let list = try JSONSchema(["type": "array", "items": ["type": "string"]])
        let huge = JSONValue.array(Array(repeating: .int(1), count: 10_000))
        #expect(list.violations(of: huge).count == 20)
    }
}
