import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// The shipped profiles, loaded from their YAML, run the programs they are
/// meant for under the real engine, and refuse what they are meant to
/// refuse.
@Suite("Shipped profiles under the engine", .serialized)
struct ShippedProfileEngineTests {
    static let python = "/usr/bin/python3"

    private func run(_ profileName: String, _ argv: [String]) throws -> RunResult {
        let profile = try ProfileCatalog.shipped().resolve(name: profileName)
        return try Fixtures.engine.runBlocking(LaunchRequest(argv: argv), profile: profile)
    }

    private func expectClean(_ result: RunResult, stdout: String, _ comment: Comment) {
        #expect(result.exitCode == 0, "\(comment): \(result.stderr.text)")
        #expect(result.stdout.text == stdout, comment)
        #expect(result.deniedSyscalls.filter { $0.name != "clone3" }.isEmpty,
                "\(comment): denied \(result.deniedSyscalls.map(\.name))")
    }

    @Test("strict runs a shell script that writes its workspace")
    func strictShell() throws {
        let result = try run("strict", ["/bin/sh", "-c", "ls / >/dev/null; echo hi > /workspace/x; cat /workspace/x"])
        expectClean(result, stdout: "hi\n", "strict sh")
        #expect(result.manifest.profileDigest == ProfileDigest.of(try ProfileCatalog.shipped().resolve(name: "strict")))
    }

    @Test("strict refuses every socket")
    func strictNoSockets() throws {
        let python = try run("strict", [Self.python, "-c", "import socket\ntry:\n socket.socket(socket.AF_UNIX)\nexcept OSError as e: print(e.errno)"])
        #expect(python.exitCode == 0, "\(python.stderr.text)")
        #expect(python.stdout.text != "", "socket(AF_UNIX) was not refused")
        #expect(python.deniedSyscalls.contains { $0.name == "socket" })
    }

    @Test("shell runs python3 and sqlite3", arguments: [
        ([python, "-c", "print(1)"], "1\n"),
        (["/usr/bin/sqlite3", ":memory:", "select 1"], "1\n"),
        ([python, "-c", """
            import asyncio, subprocess, threading, sqlite3
            asyncio.run(asyncio.sleep(0))
            subprocess.run(["true"], check=True)
            t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
            db = sqlite3.connect("/workspace/db"); db.execute("create table t(x)"); db.commit(); print("ok")
            """], "thread\nok\n"),
    ])
    func shellPrograms(argv: [String], stdout: String) throws {
        expectClean(try run("shell", argv), stdout: stdout, "shell \(argv[0])")
    }

    @Test("shell allows Unix sockets only; network allows any family")
    func socketFamilies() throws {
        let probe = "import socket\nfor f in (socket.AF_UNIX, socket.AF_INET):\n try:\n  socket.socket(f).close(); print('ok')\n except OSError as e: print('refused', e.errno)"
        let shell = try run("shell", [Self.python, "-c", probe])
        #expect(shell.stdout.text == "ok\nrefused 1\n", "\(shell.stderr.text)")
        let network = try run("network", [Self.python, "-c", probe])
        #expect(network.stdout.text == "ok\nok\n", "\(network.stderr.text)")
        #expect(network.manifest.network.hasPrefix("host"))
    }
}
