import AirlockCore
import Foundation
import Yams

/// Which extractor reads which argument, per tool, read from a catalog
/// file. Only `tools[].name` and `tools[].intent` are read; every other
/// key belongs to the daemon's catalog and is ignored here, so the admin
/// tools work on the very file the daemon serves.
public struct IntentCatalog: Sendable, Hashable {
    public var bindings: [String: [IntentBinding]]

    public init(bindings: [String: [IntentBinding]] = [:]) { self.bindings = bindings }

    public func intent(for tool: String) -> [IntentBinding]? { bindings[tool] }

    public static func load(path: String) throws -> IntentCatalog {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AirlockError(.invalidConfig, "\(path): cannot read the catalog: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path)
    }

    public static func parse(yaml: String, source: String) throws -> IntentCatalog {
        do {
            guard let root = try YAMLDocument.compose(yaml) else { return IntentCatalog() }
            return try read(root)
        } catch {
            throw error.airlockError(.invalidConfig, source: source)
        }
    }

    /// Reads `tools:` from an already composed document (also used by test-case files).
    static func read(_ root: Node) throws(LocatedError) -> IntentCatalog {
        let top = try YAMLDocument.mapping(root, "catalog")
        guard let tools = top["tools"] else { return IntentCatalog() }
        var bindings: [String: [IntentBinding]] = [:]
        for tool in try YAMLDocument.sequence(tools, "tools") {
            let fields = try YAMLDocument.mapping(tool, "tool")
            guard let nameNode = fields["name"] else { throw LocatedError(line: YAMLDocument.line(tool), message: "tool without a 'name'") }
            let name = try YAMLDocument.string(nameNode, "tools[].name")
            var list: [IntentBinding] = []
            if let intent = fields["intent"] {
                for item in try YAMLDocument.sequence(intent, "tools[].intent") {
                    let b = try YAMLDocument.mapping(item, "intent")
                    guard let e = b["extractor"], let a = b["argument"] else {
                        throw LocatedError(line: YAMLDocument.line(item), message: "intent entries need 'extractor' and 'argument'")
                    }
                    let kindText = try YAMLDocument.string(e, "extractor")
                    guard let kind = IntentExtractorKind(rawValue: kindText) else {
                        throw LocatedError(line: YAMLDocument.line(e), message: "unknown extractor '\(kindText)'; known: sql, shell, network")
                    }
                    list.append(IntentBinding(extractor: kind, argument: try YAMLDocument.string(a, "argument")))
                }
            }
            bindings[name] = list
        }
        return IntentCatalog(bindings: bindings)
    }
}
