import AirlockCore
import AirlockServer
import ArgumentParser

/// `airlock tools`: what the daemon offers this caller, as `tools/list` says.
struct ToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools", abstract: "List the tools the Airlock daemon offers.")

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Print the raw tools/list result as JSON.")
    var json = false

    func run() throws {
        let client = try AgentClient(socketPath: connection.socketPath)
        try client.initialize()
        let result = try client.request("tools/list")
        if json {
            print(CanonicalJSON.encode(result))
            return
        }
        for tool in result["tools"]?.arrayValue ?? [] {
            let name = tool["name"]?.stringValue ?? "?"
            print(name)
            if let description = tool["description"]?.stringValue { print("    \(description)") }
            let required = Set(tool["inputSchema"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let properties = tool["inputSchema"]?["properties"]?.objectValue ?? [:]
            for (key, schema) in properties.sorted(by: { $0.key < $1.key }) {
                let type = schema["type"]?.stringValue ?? "any"
                let marker = required.contains(key) ? "" : " (optional)"
                let help = schema["description"]?.stringValue.map { " — \($0)" } ?? ""
                print("    --arg \(key)=<\(type)>\(marker)\(help)")
            }
        }
    }
}
