import AirlockServer
import ArgumentParser

/// `--socket PATH` for every command that talks to the daemon; falls back
/// to $AIRLOCK_SOCKET, then to the daemon's default path.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Agent socket of airlockd (default: $AIRLOCK_SOCKET, then \(DefaultPaths.agentSocket)).")
    var socket: String?

    var socketPath: String { DefaultPaths.clientSocket(explicit: socket) }
}
