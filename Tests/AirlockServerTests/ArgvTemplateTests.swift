import AirlockCore
import Testing
@testable import Executor

@Suite("argv templates")
struct ArgvTemplateTests {
    @Test(arguments: [
        "; rm -rf /", "$(reboot)", "`id`", "a b c", "x\ny", "'quoted' \"twice\"", "*", "~root", "| nc evil 1",
        "--", "--flag=value", "-rf", "\u{1B}[31m", "ünïcode ✓",
    ])
    func everyValueAfterDoubleDashIsOneElement(value: String) throws {
        let template = try ArgvTemplate(["/bin/sh", "-c", "--", "{{command}}"], path: "command")
        #expect(try template.render(["command": .string(value)]) == ["/bin/sh", "-c", "--", value])
    }

    @Test func optionLikeValuesAreRefusedBeforeDoubleDash() throws {
        let template = try ArgvTemplate(["cat", "{{path}}"], path: "command")
        #expect(throws: AirlockError.self) { try template.render(["path": "--version"]) }
        #expect(throws: AirlockError.self) { try template.render(["path": "-"]) }
        #expect(throws: AirlockError.self) { try template.render(["path": -5]) }
        #expect(try template.render(["path": "notes.md"]) == ["cat", "notes.md"])
    }

    /// getopt reads the first byte: a combining mark or joiner after the
    /// dash makes one Swift character that is not "-", but the program
    /// still sees an option.
    @Test(arguments: ["-\u{301}-output=/etc/x", "-\u{200D}o/x", "-\u{FE0F}rf"])
    func aDashFollowedByACombiningMarkIsStillAnOption(value: String) throws {
        let template = try ArgvTemplate(["cat", "{{path}}"], path: "command")
        #expect(throws: AirlockError.self) { try template.render(["path": .string(value)]) }
    }

    /// An infinite number has no argv form (it used to render as "").
    @Test func nonFiniteNumbersAreRefused() throws {
        let template = try ArgvTemplate(["echo", "--", "{{n}}"], path: "command")
        #expect(throws: AirlockError.self) { try template.render(["n": .double(.infinity)]) }
        #expect(throws: AirlockError.self) { try CanonicalJSON.parse("{\"n\": 1e400}") }
    }

    /// `sort -o {{out?}} {{in}}` without `out` would run `sort -o IN`.
    @Test func anOptionalOrSpreadValueRightAfterAnOptionIsRefusedAtLoad() throws {
        #expect(throws: AirlockError.self) { try ArgvTemplate(["sort", "-o", "{{output?}}", "{{input}}"], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate(["grep", "-e", "{{patterns...}}"], path: "command") }
        _ = try ArgvTemplate(["sort", "-o", "{{output}}", "--", "{{input}}", "{{more?}}"], path: "command")
    }

    @Test func nulCannotBeCarried() throws {
        let template = try ArgvTemplate(["echo", "--", "{{v}}"], path: "command")
        let error = #expect(throws: AirlockError.self) { try template.render(["v": "a\u{0}b"]) }
        #expect(error?.code == .invalidArguments)
    }

    @Test func embeddedPlaceholdersAreRejectedAtLoad() {
        #expect(throws: AirlockError.self) { try ArgvTemplate(["cat", "/data/{{path}}"], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate(["curl", "--url={{u}}"], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate(["x", "{{a}}{{b}}"], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate(["{{program}}"], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate([], path: "command") }
        #expect(throws: AirlockError.self) { try ArgvTemplate(["x", "{{not valid}}"], path: "command") }
    }

    @Test func optionalAndSpreadPlaceholders() throws {
        let template = try ArgvTemplate(["grep", "-n", "{{pattern}}", "--", "{{files...}}", "{{extra?}}"], path: "command")
        #expect(try template.render(["pattern": "x", "files": ["a", "-b"]]) == ["grep", "-n", "x", "--", "a", "-b"])
        #expect(try template.render(["pattern": "x", "files": [], "extra": "e"]) == ["grep", "-n", "x", "--", "e"])
        #expect(throws: AirlockError.self) { try template.render(["files": ["a"]]) }
        #expect(throws: AirlockError.self) { try template.render(["pattern": "x", "files": "a b"]) }
        #expect(throws: AirlockError.self) { try template.render(["pattern": "x", "files": [["nested": 1]]]) }
    }

    @Test func scalarsBecomeTheirPlainText() throws {
        let template = try ArgvTemplate(["t", "{{a}}", "{{b}}", "{{c}}"], path: "command")
        #expect(try template.render(["a": 42, "b": true, "c": 1.5]) == ["t", "42", "true", "1.5"])
        #expect(throws: AirlockError.self) { try template.render(["a": ["x": 1], "b": true, "c": 1]) }
    }
}
