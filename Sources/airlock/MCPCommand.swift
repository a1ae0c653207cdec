import AirlockServer
import ArgumentParser
import Foundation

/// `airlock mcp`: a byte-for-byte bridge between stdio and the agent
/// socket, for MCP clients that can only spawn a server process. Both
/// sides already speak newline-delimited JSON-RPC, so nothing is parsed
/// here; identity is still the bridge's own uid, read by the daemon.
struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Bridge an MCP stdio client to the Airlock daemon's socket.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let client = try AgentClient(socketPath: connection.socketPath)
        let socketFD = client.fd
        let done = DispatchSemaphore(value: 0)
        // Daemon → stdout on its own thread; ends when the daemon closes.
        Thread.detachNewThread {
            Self.copy(from: socketFD, to: STDOUT_FILENO)
            done.signal()
        }
        // stdin → daemon; at EOF the write side is shut so the daemon sees
        // the client leave (and cancels what it left running).
        Self.copy(from: STDIN_FILENO, to: socketFD)
        shutdown(socketFD, Int32(SHUT_WR))
        done.wait()
        withExtendedLifetime(client) {}
    }

    static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            var offset = 0
            while offset < n {
                let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, n - offset) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
