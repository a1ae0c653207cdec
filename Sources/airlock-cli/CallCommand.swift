import AirlockCore
import AirlockServer
import ArgumentParser
import Foundation

/// `airlock call TOOL`: one tool call; prints the output and exits with the
/// tool's status, so it composes in shell scripts like the tool itself.
/// A refusal (nothing ran) exits 126 with the reason on stderr; a call
/// still waiting for approval (nothing ran yet) exits 75 with how to resume
/// on stderr; a connection or protocol failure exits 125.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a tool through the Airlock daemon.",
        discussion: "Exit status: the tool's own status (128+N for signal N); 126 when the call was refused; \(CallCommand.pendingStatus) when it is still waiting for approval (nothing ran yet: resume with --wait ID); 125 when the daemon could not be reached or rejected the request.")

    /// EX_TEMPFAIL: nothing ran yet; the same call can be resumed later.
    static let pendingStatus: Int32 = 75

    @Argument(help: "Tool name (see `airlock tools`); omit with --wait.")
    var tool: String?

    @Option(name: .long, help: "Resume a call that returned status pending: wait for approval ID, then get its result.")
    var wait: String?

    @Option(name: .customLong("arg"), help: "An argument as key=value; typed from the tool's schema. Repeatable.")
    var arguments: [String] = []

    @Option(name: .long, help: "All arguments as a JSON object (merged under --arg values).")
    var json: String?

    @Option(name: .long, help: "Claim: the principal this call is made for (_meta.on_behalf_of).")
    var onBehalfOf: String?

    @Option(name: .long, help: "Claim: why this call is made (_meta.reason).")
    var reason: String?

    @Flag(name: .long, help: "Print the whole CallToolResult as JSON instead of the output.")
    var raw = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (tool == nil) != (wait == nil) else {
            throw ValidationError("give a tool name, or --wait ID to resume a pending call (not both)")
        }
    }

    func run() throws {
        let result: JSONValue
        do {
            let client = try AgentClient(socketPath: connection.socketPath)
            try client.initialize()
            if let wait {
                result = try client.request("airlock/approvals/wait", params: ["approval_id": .string(wait)])
            } else {
                var params: [String: JSONValue] = ["name": .string(tool ?? ""), "arguments": .object(try buildArguments(client))]
                var meta: [String: JSONValue] = [:]
                if let onBehalfOf { meta["on_behalf_of"] = .string(onBehalfOf) }
                if let reason { meta["reason"] = .string(reason) }
                if !meta.isEmpty { params["_meta"] = .object(meta) }
                result = try client.request("tools/call", params: .object(params))
            }
        } catch {
            FileHandle.standardError.write(Data("airlock call: \(error)\n".utf8))
            throw ExitCode(125)
        }
        try show(result)
    }

    /// Prints a CallToolResult and exits with the tool's status.
    private func show(_ result: JSONValue) throws {
        if raw {
            print(CanonicalJSON.encode(result))
        } else {
            let text = result["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined(separator: "\n") ?? ""
            let status = result["structuredContent"]?["status"]?.stringValue
            if status == "refused" || status == "pending" {
                FileHandle.standardError.write(Data((text + "\n").utf8))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
                if !text.isEmpty, !text.hasSuffix("\n") { print() }
            }
        }
        throw ExitCode(Self.status(of: result))
    }

    private func buildArguments(_ client: AgentClient) throws -> [String: JSONValue] {
        var merged: [String: JSONValue] = [:]
        if let json {
            guard case .object(let object) = try CanonicalJSON.parse(json) else {
                throw AirlockError(.invalidArguments, "--json must be a JSON object")
            }
            merged = object
        }
        if !arguments.isEmpty {
            let tools = try client.request("tools/list")["tools"]?.arrayValue ?? []
            let schema = tools.first { $0["name"]?.stringValue == tool }?["inputSchema"]
            for (key, value) in try ArgumentCoercion.coerce(arguments, schema: schema) { merged[key] = value }
        }
        return merged
    }

    /// The tool's shell status from the run result; 126 for a refusal.
    static func status(of result: JSONValue) -> Int32 {
        let structured = result["structuredContent"]
        if structured?["status"]?.stringValue == "refused" { return 126 }
        if structured?["status"]?.stringValue == "pending" { return pendingStatus }
        if let code = structured?["exitCode"]?.intValue { return Int32(truncatingIfNeeded: code) }
        if let signal = structured?["signal"]?.intValue { return 128 + Int32(truncatingIfNeeded: signal) }
        return result["isError"]?.boolValue == true ? 1 : 0
    }
}
