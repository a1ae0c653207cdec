import AirlockCore
import Foundation
import Testing
@testable import AirlockServer

/// A reply holds the output twice and JSON-escapes it (a control byte
/// takes six): past the connection's outbound budget it would drop the
/// connection and every other call on it. The output is clipped to fit,
/// and the reply says so.
@Suite("Reply size")
struct ReplySizeTests {
    static func result(stdout: String, stderr: String = "") -> RunResult {
        var result = JSONValueEncoderTests.result
        result.stdout = CapturedOutput(text: stdout, totalBytes: UInt64(stdout.utf8.count), truncated: false)
        result.stderr = CapturedOutput(text: stderr, totalBytes: UInt64(stderr.utf8.count), truncated: false)
        return result
    }

    @Test func binaryOutputIsClippedToFitTheBudget() throws {
        let binary = String(repeating: "\u{1}", count: 3_000_000)
        let reply = ToolResultEncoding.encode(.completed(Self.result(stdout: binary, stderr: "warning: binary\n")), replyLimit: 16 << 20)
        let size = reply.canonicalText.utf8.count
        #expect(size < 16 << 20, "\(size) bytes")
        #expect(reply["structuredContent"]?["replyClipped"] == true)
        #expect(reply["structuredContent"]?["stderr"]?["text"] == "warning: binary\n")
        let text = try #require(reply["content"]?.arrayValue?.first?["text"]?.stringValue)
        #expect(text.contains("[output clipped to fit this reply"))
        #expect(text.contains("[stdout truncated: 3000000 bytes written]"))
    }

    @Test func aReplyThatFitsIsUnchanged() {
        let reply = ToolResultEncoding.encode(.completed(Self.result(stdout: "hello\n")), replyLimit: 16 << 20)
        #expect(reply["structuredContent"]?["replyClipped"] == nil)
        let text = reply["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(text.hasPrefix("hello\n") && !text.contains("clipped"), "\(text)")
    }
}
