import AirlockCore
import AirlockServer
import Executor
import Foundation
import HostCommandSupport
import Logging
import Testing

/// A socket is only as trustworthy as its directory and the process behind
/// it. The daemon refuses a directory another user could write (they could
/// swap the socket for their own), and a client refuses to send anything
/// to a socket served by a uid that is neither root nor its own.
@Suite("socket trust", .enabled(if: getuid() == 0, "chown and setpriv need root"))
struct SocketTrustTests {
    static let stranger: UInt32 = 4343

    static func executor() throws -> Executor {
        let config = try ConfigLoader.parse(yaml: testCatalogYAML, file: "/nonexistent/airlock.yaml")
        let runner = ProcessToolRunner()
        return try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: .permissive(),
                            logger: Logger(label: "test.executor"))
    }

    /// Starts a daemon whose socket sits in `directory`; the error, if any.
    static func startError(in directory: String) async throws -> String? {
        var settings = ServerSettings()
        settings.socketPath = directory + "/agent.sock"
        do {
            let server = try await AgentServer.start(settings: settings, executor: try executor(),
                                                     actors: ActorDirectory(byUID: [:]))
            await server.shutdown()
            return nil
        } catch let error as AirlockError {
            return error.message
        }
    }

    @Test func theDaemonRefusesASocketDirectoryItDoesNotControl() async throws {
        let base = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let strangers = base.appendingPathComponent("strangers").path
        let open = base.appendingPathComponent("open").path
        let link = base.appendingPathComponent("link").path
        let own = base.appendingPathComponent("own").path
        for path in [strangers, open, own] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        #expect(chown(strangers, Self.stranger, Self.stranger) == 0 && chmod(strangers, 0o755) == 0)
        #expect(chmod(open, 0o777) == 0)
        #expect(symlink(own, link) == 0)

        let ownedByStranger = try await Self.startError(in: strangers)
        #expect(ownedByStranger?.contains("belongs to uid \(Self.stranger)") == true, "\(ownedByStranger ?? "started")")
        let writableByOthers = try await Self.startError(in: open)
        #expect(writableByOthers?.contains("writable by group or others") == true, "\(writableByOthers ?? "started")")
        let throughLink = try await Self.startError(in: link)
        #expect(throughLink?.contains("is not a directory") == true, "\(throughLink ?? "started")")
        // Nothing was bound in the refused places; the owned one works.
        for path in [strangers, open, own] { #expect(!FileManager.default.fileExists(atPath: path + "/agent.sock")) }
        #expect(try await Self.startError(in: own) == nil)
    }

    /// A stranger's listener records every byte it receives; the client
    /// must refuse the socket before sending any, and only an explicit
    /// trust of that uid lets it connect.
    @Test func theClientSendsNothingToASocketAStrangerServes() async throws {
        let base = try TestDaemon.makeDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(chmod(base.path, 0o777) == 0)
        let socketPath = base.appendingPathComponent("agent.sock").path
        let received = base.appendingPathComponent("received").path
        let listener = """
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
        open(sys.argv[2] + ".ready", "w").close()
        with open(sys.argv[2], "wb") as out:
            for _ in range(2):
                c, _ = s.accept(); c.settimeout(2)
                try:
                    data = c.recv(65536)
                except socket.timeout:
                    data = b""
                out.write(data); out.flush(); c.close()
        """
        let child = try HostCommand.start("/usr/bin/setpriv", [
            "--reuid", "\(Self.stranger)", "--regid", "\(Self.stranger)", "--clear-groups",
            "/usr/bin/python3", "-c", listener, socketPath, received,
        ], stdout: .null, stderr: .inherit)
        defer { _ = child.kill(SIGKILL); _ = child.wait() }
        #expect(await eventually { FileManager.default.fileExists(atPath: received + ".ready") })

        var refusal: AirlockError?
        do {
            let client = try AgentClient(socketPath: socketPath)
            try client.send(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                             "params": ["name": "shell", "arguments": ["command": "echo SECRET_TOKEN=abc"]]])
        } catch let error as AirlockError {
            refusal = error
        }
        #expect(refusal?.code == .forbidden)
        #expect(refusal?.message.contains("served by uid \(Self.stranger)") == true, "\(refusal?.message ?? "connected")")

        // Trusting the uid explicitly connects (the refusal was about the uid).
        let trusted = try AgentClient(socketPath: socketPath, trustedServers: [Self.stranger])
        try trusted.write(Data("trusted\n".utf8))
        _ = child.wait()
        #expect(FileManager.default.contents(atPath: received) == Data("trusted\n".utf8))
    }
}
