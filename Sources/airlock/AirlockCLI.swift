import ArgumentParser

/// `airlock`: the admin, developer and agent-side command line. Each
/// subcommand lives in its own file and is a thin layer over a library
/// module; no policy or sandbox logic lives here.
@main
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
