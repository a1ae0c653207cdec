import ArgumentParser
import Dispatch
import Glibc

/// The entry point. `airlock exec` is a one-shot launcher, measured against
/// bwrap, so it takes a synchronous path of its own: no async main, no
/// executor and no command tree beyond its own options. Every other command
/// runs through `AirlockCLI` on the async main executor.
@main
enum AirlockMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == ExecCommand.configuration.commandName {
            ExecCommand.Standalone.runAsRoot(Array(arguments.dropFirst()))
        }
        // `main` is main-actor isolated: a plain Task would queue behind
        // this very function, which never returns.
        Task.detached {
            do {
                var command = try AirlockCLI.parseAsRoot(arguments)
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                exit(EXIT_SUCCESS)
            } catch {
                CommandLineFailure.exit(error, parsedWith: AirlockCLI.self)
            }
        }
        dispatchMain()
    }
}
