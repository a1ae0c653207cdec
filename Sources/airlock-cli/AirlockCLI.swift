import ArgumentParser

/// `airlock`: the admin, developer and agent-side command line. Each
/// subcommand lives in its own file and is a thin layer over a library
/// module; no policy or sandbox logic lives here.
///
/// Every command, nested ones included, names itself (`commandName:`): the
/// parser builds the whole command tree at each start, and a command
/// without a name is named by reflecting on its type, a runtime
/// protocol-conformance search that cost a one-shot `airlock exec`
/// milliseconds.
struct AirlockCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airlock",
        abstract: "Run tool calls confined, checked and audited.",
        subcommands: [
            ExecCommand.self,
            DoctorCommand.self,
            TokenCommand.self,
            ApprovalsCommand.self,
            ProfileCommand.self,
            ToolsCommand.self, CallCommand.self, MCPCommand.self,
            PolicyCommand.self,
            AuditCommand.self,
        ]
    )
}
