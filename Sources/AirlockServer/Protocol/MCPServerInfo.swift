import AirlockCore

/// What `initialize` answers: the protocol revision, the capabilities this
/// server has (tools only; the list never changes while it runs), and a
/// hint for the model about how refusals look.
enum MCPServerInfo {
    /// Revisions this server speaks, newest first. The framing and the
    /// methods it implements are the same in all of them.
    static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    static let version = "0.1.0"

    static func initializeResult(params: JSONValue?) -> JSONValue {
        let requested = params?["protocolVersion"]?.stringValue
        let chosen = requested.flatMap { supportedVersions.contains($0) ? $0 : nil } ?? supportedVersions[0]
        return .object([
            "protocolVersion": .string(chosen),
            "capabilities": ["tools": ["listChanged": false]],
            "serverInfo": ["name": "airlock", "version": .string(version)],
            "instructions": .string(
                "Tools run confined in a sandbox after a policy check. A refused call returns isError with the rule "
                    + "and the reason; change the request rather than retrying it unchanged."),
        ])
    }
}
