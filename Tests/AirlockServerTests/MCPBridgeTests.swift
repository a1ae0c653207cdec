import AirlockCore
import AirlockServer
import Foundation
import HostCommandSupport
import Testing

/// `airlock mcp`, the built binary between a stdio client and the socket.
@Suite("airlock mcp bridge")
struct MCPBridgeTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("airlock").path
    }

    static func bridge(_ socket: String) throws -> HostChild {
        try HostCommand.start(binary, ["mcp", "--socket", socket], stdin: .pipe, stdout: .capture, stderr: .capture)
    }

    /// Reads `count` lines, byte by byte (so nothing past them is consumed).
    static func lines(_ count: Int, from handle: FileHandle) throws -> [String] {
        var lines: [String] = [], line = Data()
        while lines.count < count, let byte = try handle.read(upToCount: 1), !byte.isEmpty {
            if byte == Data([0x0a]) {
                lines.append(String(decoding: line, as: UTF8.self))
                line = Data()
            } else {
                line.append(byte)
            }
        }
        return lines
    }

    @Test func itRelaysBothWaysAndEndsCleanlyWhenTheClientCloses() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let bridge = try Self.bridge(daemon.socketPath)
        bridge.stdin.write(Data("""
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"shell","arguments":{"command":"echo bridged"}}}

        """.utf8))
        let stdout = bridge.stdout
        let lines = try await blocking { try Self.lines(2, from: stdout) }
        try bridge.stdin.close()
        let ended = bridge.finish()
        let replies = try lines.map { try CanonicalJSON.parse($0) }
        #expect(ended.status == 0, "\(ended.termination): \(ended.stderrText)")
        #expect(replies.count == 2)
        #expect(replies.last?["id"] == 2)
        #expect(replies.last?["result"]?.toolText == "bridged\n")
    }

    /// A client that sends its requests and closes stdin at once (a script
    /// piping into `airlock mcp`) still gets the answer to a call that
    /// finishes later; then the bridge ends cleanly.
    @Test func repliesStillArriveAfterTheClientClosesStdin() async throws {
        let daemon = try await TestDaemon.start()
        defer { Task { await daemon.stop() } }
        let bridge = try Self.bridge(daemon.socketPath)
        bridge.stdin.write(Data("""
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"shell","arguments":{"command":"sleep 0.5; echo slow-done"}}}

        """.utf8))
        try bridge.stdin.close()
        let stdout = bridge.stdout
        let lines = try await blocking { try Self.lines(2, from: stdout) }
        let ended = bridge.finish()
        #expect(ended.status == 0, "\(ended.termination): \(ended.stderrText)")
        let replies = try lines.map { try CanonicalJSON.parse($0) }
        #expect(replies.last?["id"] == 2)
        #expect(replies.last?["result"]?.toolText == "slow-done\n", "\(lines)")
    }

    /// The daemon goes away while the client keeps stdin open: the bridge
    /// must end (EOF on its stdout, exit 1, a reason), not linger.
    @Test func itEndsWhenTheDaemonCloses() async throws {
        let daemon = try await TestDaemon.start()
        let bridge = try Self.bridge(daemon.socketPath)
        defer { _ = bridge.kill(SIGKILL); bridge.wait() }
        bridge.stdin.write(Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8 + [0x0a]))
        let stdout = bridge.stdout
        let first = try await blocking { try Self.lines(1, from: stdout) }
        #expect(first.first?.contains(#""result":{}"#) == true)
        await daemon.stop()
        #expect(await eventually { !bridge.isRunning }, "the bridge outlived the daemon")
        let ended = bridge.finish()
        #expect(ended.status == 1, "\(ended.termination)")
        #expect(ended.stderrText.contains("the daemon closed the connection"), "\(ended.stderrText)")
    }
}
