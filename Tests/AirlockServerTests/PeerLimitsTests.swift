import AirlockCore
import AirlockServer
import Executor
import Foundation
import HostCommandSupport
import Testing

/// One local user cannot lock every other user out of the daemon: the
/// connection cap and the call cap each hold per peer uid below the
/// socket-wide ones. The second uid needs root (setpriv).
@Suite("per-uid limits", .enabled(if: getuid() == 0, "setpriv --reuid needs root"))
struct PeerLimitsTests {
    static let otherUID = "4242"

    /// Connects as uid 4242 and sends one line; prints the reply line.
    static let otherUIDClient = """
    import socket, sys
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rb")
    s.sendall(sys.argv[2].encode() + b"\\n")
    print(f.readline().decode().strip())
    """

    static func asOtherUID(_ path: String, _ line: String) throws -> String {
        let run = try HostCommand.run("/usr/bin/setpriv", [
            "--reuid", otherUID, "--regid", otherUID, "--clear-groups", "/usr/bin/python3", "-c", otherUIDClient, path, line,
        ], stderr: .inherit)
        #expect(run.status == 0)
        return run.stdoutText
    }

    static let actorsYAML = """
    actors:
      - { uid: 0, name: root-agent, roles: [agent] }
      - { uid: \(otherUID), name: other-agent, roles: [agent] }
    """

    @Test func oneUIDHoldingItsConnectionsLeavesRoomForAnother() async throws {
        let daemon = try await TestDaemon.start(extraYAML: Self.actorsYAML, adjust: {
            $0.maxConnections = 3
            $0.maxConnectionsPerUID = 2
            $0.socketMode = 0o666
        })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let (refusal, held) = try await blocking {
            let held = try (0..<2).map { _ in try AgentClient(socketPath: path) }
            for client in held { _ = try client.request("ping") }
            let third = try AgentClient(socketPath: path)
            let refusal = try third.readLine().map { try CanonicalJSON.parse($0) }
            let closed = try third.readLine() == nil
            return (refusal.map { [$0, .bool(closed)] }, held.count)
        }
        #expect(held == 2)
        #expect(refusal?[0]["error"]?["code"] == -32002)
        #expect(refusal?[0]["error"]?["message"]?.stringValue?.contains("uid 0 already holds 2 connections") == true,
                "\(String(describing: refusal))")
        #expect(refusal?[1] == .bool(true), "the refused connection must close")
        let reply = try Self.asOtherUID(path, #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        #expect(reply.contains(#""result":{}"#), "uid \(Self.otherUID) must still get in: \(reply)")
    }

    @Test func oneUIDsQueuedCallsLeaveRoomForAnother() async throws {
        let daemon = try await TestDaemon.start(extraYAML: Self.actorsYAML, adjust: {
            $0.maxCallsPerUID = 2
            $0.socketMode = 0o666
            $0.shutdownGraceSeconds = 0
        })
        defer { Task { await daemon.stop() } }
        let path = daemon.socketPath
        let server = daemon.server
        let (refused, other) = try await blocking { () -> (JSONValue?, String) in
            // Two sleeps from two connections of uid 0 fill its share...
            let sleepers = try (0..<2).map { i -> AgentClient in
                let client = try AgentClient(socketPath: path)
                try client.write(Data((#"{"jsonrpc":"2.0","id":\#(i),"method":"tools/call","params":{"name":"sleep","arguments":{"seconds":30}}}"# + "\n").utf8))
                return client
            }
            for _ in 0..<1000 where server.callsInFlight < 2 { Thread.sleep(forTimeInterval: 0.01) }
            // ...a third call of uid 0 is refused, on any connection...
            let refused = try AgentClient(socketPath: path).exchange(
                #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"shell","arguments":{"command":"echo late"}}}"# + "\n")
            // ...while another uid's call runs.
            let other = try Self.asOtherUID(path,
                #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shell","arguments":{"command":"echo other"}}}"#)
            withExtendedLifetime(sleepers) {}
            return (refused, other)
        }
        #expect(refused?["error"]?["code"] == -32002)
        #expect(refused?["error"]?["message"]?.stringValue?.contains("uid 0 already has 2 calls") == true,
                "\(String(describing: refused))")
        #expect(other.contains(#"other\n"#), "uid \(Self.otherUID)'s call: \(other)")
    }
}
