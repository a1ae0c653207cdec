import AirlockServer
import ArgumentParser
import Foundation
import Glibc
import Synchronization

/// `airlock mcp`: a byte-for-byte bridge between stdio and the agent
/// socket, for MCP clients that can only spawn a server process. Both
/// sides already speak newline-delimited JSON-RPC, so nothing is parsed
/// here; identity is still the bridge's own uid, read by the daemon.
///
/// The bridge ends with whichever side ends first. The client closing
/// stdin is the normal end: the write side is shut so the daemon sees the
/// client leave, and its last replies are still copied out (exit 0). The
/// daemon closing first (it stopped or crashed) ends the bridge at once
/// with exit 1 and a line on stderr: a client waiting on a reply must see
/// an EOF, not a bridge that lingers until it closes stdin itself.
struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Bridge an MCP stdio client to the Airlock daemon's socket.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let client = try AgentClient(socketPath: connection.socketPath)
        let socketFD = client.fd
        let clientLeft = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            Self.copy(from: socketFD, to: STDOUT_FILENO, toSocket: false)
            if !clientLeft.withLock({ $0 }) { Self.daemonLeft() }
            done.signal()
        }
        guard Self.copy(from: STDIN_FILENO, to: socketFD, toSocket: true) else { Self.daemonLeft() }
        clientLeft.withLock { $0 = true }
        shutdown(socketFD, Int32(SHUT_WR))
        done.wait()
        withExtendedLifetime(client) {}
    }

    private static func daemonLeft() -> Never {
        FileHandle.standardError.write(Data("airlock: mcp: the daemon closed the connection\n".utf8))
        Glibc.exit(1)
    }

    /// Copies until `source` ends (true) or a write fails (false). Writes
    /// to the socket use MSG_NOSIGNAL: a daemon that is gone is an error
    /// here, not a SIGPIPE.
    @discardableResult
    static func copy(from source: Int32, to destination: Int32, toSocket: Bool) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return true }
            var offset = 0
            while offset < n {
                let written = buffer.withUnsafeBytes { raw in
                    toSocket ? send(destination, raw.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL))
                        : write(destination, raw.baseAddress! + offset, n - offset)
                }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
        }
    }
}
