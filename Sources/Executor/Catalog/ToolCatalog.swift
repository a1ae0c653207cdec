import AirlockCore

/// The tools an admin defined, in the order the config lists them (which is
/// the order `tools/list` publishes them).
public struct ToolCatalog: Sendable {
    public let tools: [ToolDefinition]
    private let byName: [String: Int]

    public init(_ tools: [ToolDefinition]) throws {
        var byName: [String: Int] = [:]
        for (index, tool) in tools.enumerated() {
            guard byName.updateValue(index, forKey: tool.name) == nil else {
                throw AirlockError(.invalidConfig, "tools: '\(tool.name)' is defined twice")
            }
        }
        self.tools = tools
        self.byName = byName
    }

    public subscript(name: String) -> ToolDefinition? { byName[name].map { tools[$0] } }

    /// Every profile some tool needs, so the daemon can check them all before serving.
    public var profileNames: Set<String> { Set(tools.map(\.profile)) }
}
