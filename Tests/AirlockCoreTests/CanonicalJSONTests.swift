import AirlockCore
import Foundation
import Testing

@Suite struct CanonicalJSONTests {
    @Test func sortsKeysAndDropsWhitespace() throws {
        let value = try CanonicalJSON.parse(#"{ "b": [1, 2.5, true, null], "a": {"y": "x", "x": "y"} }"#)
        #expect(value.canonicalText == #"{"a":{"x":"y","y":"x"},"b":[1,2.5,true,null]}"#)
    }

    @Test func escapesControlCharactersOnly() {
        let value: JSONValue = .string("line\nquote\" tab\t bell\u{07} é")
        #expect(value.canonicalText == #""line\nquote\" tab\t bell\u0007 é""#)
    }

    @Test func wholeDoublesEncodeAsIntegers() {
        #expect(JSONValue.double(3.0).canonicalText == "3")
        #expect(JSONValue.double(0.1).canonicalText == "0.1")
    }

    @Test func equalValuesHaveEqualDigests() throws {
        let a = try CanonicalJSON.parse(#"{"tool":"run_shell","arguments":{"command":"ls","cwd":"/"}}"#)
        let b = try CanonicalJSON.parse(#"{"arguments":{"cwd":"/","command":"ls"},"tool":"run_shell"}"#)
        #expect(Digest.sha256Hex(a) == Digest.sha256Hex(b))
        #expect(Digest.sha256Hex(a).count == 64)
    }

    @Test func actionDigestBindsToolAndArguments() {
        let d1 = ToolCall.actionDigest(tool: "run_shell", arguments: ["command": "ls"])
        let d2 = ToolCall.actionDigest(tool: "run_shell", arguments: ["command": "ls -la"])
        let d3 = ToolCall.actionDigest(tool: "run_python", arguments: ["command": "ls"])
        #expect(Set([d1, d2, d3]).count == 3)
    }

    @Test func malformedJSONIsAPreciseError() {
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse("{\"a\": ") }
        do {
            _ = try CanonicalJSON.parse("[1,,2]")
        } catch let error as AirlockError {
            #expect(error.code == .invalidJSON)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func roundTripsTypedValues() throws {
        let actor = Actor(name: "agent", roles: ["dev"], uid: 1000, gid: 1000, pid: 42)
        let value = try JSONValue(encoding: actor)
        #expect(try value.decode(as: Actor.self) == actor)
    }
}

@Suite struct JSONParserTests {
    @Test func parsesEscapesSurrogatesAndNumbers() throws {
        let value = try CanonicalJSON.parse(#"{"s":"a\"b\\c\u00e9\ud83d\ude00\n","i":-12,"d":1.5e2,"z":0,"b":[true,false,null]}"#)
        #expect(value["s"] == "a\"b\\cé😀\n")
        #expect(value["i"] == .int(-12))
        #expect(value["d"] == .double(150))
        #expect(value["z"] == .int(0))
        #expect(value["b"] == [true, false, nil])
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "tru", "[1] 2", "\"a\u{01}\""])
    func rejectsMalformedInput(text: String) {
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test func refusesUnboundedNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse(deep) }
    }

    @Test func agreesWithFoundationOnARoundTrip() throws {
        let text = #"{"tool":"run_shell","arguments":{"command":"ls -la","n":[1,2,{"x":null}]}}"#
        let ours = try CanonicalJSON.parse(text)
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
    }
}

/// Duplicate keys are refused: keeping one of the values would make the
/// digest hide what was sent.
@Suite("JSON input refused")
struct JSONInputRefusalTests {
    @Test(arguments: [
        #"{"a":1,"a":2}"#,
        "{\"mode\u{37E}\":2,\"mode;\":1}",  // Swift takes the two keys as one
    ])
    func ambiguousInputIsRefused(text: String) {
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse(text) }
    }
}
