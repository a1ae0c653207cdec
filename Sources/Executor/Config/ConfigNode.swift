import AirlockCore
import Foundation
import Yams

/// A YAML node together with where it came from, so every config error can
/// say `file:line: path: what is wrong` — admins fix configs from the error
/// message alone, without guessing which of forty tools is meant.
struct ConfigNode {
    let node: Node
    /// Dotted path from the document root, e.g. `tools[3].inputSchema`.
    let path: String
    let file: String

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    /// Parses a YAML document; an empty document is an empty mapping.
    static func parse(yaml: String, file: String) throws -> ConfigNode {
        do {
            let root = try Yams.compose(yaml: yaml) ?? Node.mapping(Node.Mapping([]))
            return ConfigNode(node: root, path: "", file: file)
        } catch {
            throw AirlockError(.invalidConfig, "\(file): not valid YAML: \(error)")
        }
    }

    var line: Int { node.mark?.line ?? 0 }

    /// An `invalidConfig` error located at this node.
    func error(_ message: String) -> AirlockError {
        let location = path.isEmpty ? "" : " \(path):"
        return AirlockError(.invalidConfig, "\(file):\(line):\(location) \(message)")
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: mappings

    /// The mapping's entries in document order; throws if this is not a mapping.
    func entries() throws -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kindName)") }
        var out: [(String, ConfigNode)] = []
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error("mapping keys must be strings") }
            guard seen.insert(key).inserted else {
                throw ConfigNode(node: keyNode, path: childPath(key), file: file).error("duplicate key")
            }
            out.append((key, ConfigNode(node: valueNode, path: childPath(key), file: file)))
        }
        return out
    }

    /// Rejects keys outside `allowed`, so a misspelt setting (`max_runing`)
    /// is an error instead of a silently ignored default.
    func requireKeys(within allowed: Set<String>) throws {
        for (key, value) in try entries() where !allowed.contains(key) {
            throw value.error("unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func optional(_ key: String) throws -> ConfigNode? {
        try entries().first { $0.key == key }?.value
    }

    func required(_ key: String) throws -> ConfigNode {
        guard let value = try optional(key) else { throw error("missing required key '\(key)'") }
        return value
    }

    // MARK: sequences

    func items() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kindName)") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    // MARK: scalars

    var isNull: Bool {
        if case .scalar = node { return node.null != nil }
        return false
    }

    func string() throws -> String {
        guard case .scalar = node, !isNull, let s = node.string else { throw error("expected a string, found \(kindName)") }
        return s
    }

    func int() throws -> Int {
        guard case .scalar = node, let i = node.int else { throw error("expected an integer, found \(kindName)") }
        return i
    }

    func uint64(atLeast minimum: UInt64 = 0) throws -> UInt64 {
        let i = try int()
        guard i >= 0, UInt64(i) >= minimum else { throw error("must be an integer ≥ \(minimum)") }
        return UInt64(i)
    }

    func double() throws -> Double {
        guard case .scalar = node, let d = node.float ?? node.int.map(Double.init) else {
            throw error("expected a number, found \(kindName)")
        }
        return d
    }

    func uint64(in range: ClosedRange<UInt64>) throws -> UInt64 {
        let value = try uint64()
        guard range.contains(value) else { throw error("must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    func double(in range: ClosedRange<Double>) throws -> Double {
        let value = try double()
        guard range.contains(value) else { throw error("must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    /// A duration in seconds: finite, positive (or zero where `allowZero`),
    /// and at most a day, so that every consumer's conversion to whole
    /// nanoseconds or milliseconds fits its integer type.
    func seconds(allowZero: Bool = false) throws -> Double {
        let d = try double()
        guard d.isFinite, d > 0 || (allowZero && d == 0), d <= 86_400 else {
            throw error(allowZero ? "must be between 0 and 86400 seconds" : "must be a positive number of seconds, at most 86400")
        }
        return d
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error("expected true or false, found \(kindName)") }
        return b
    }

    func stringList() throws -> [String] { try items().map { try $0.string() } }

    private var kindName: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            if isNull { return "null" }
            return "'\(node.string ?? "")'"
        }
    }

    /// Converts the subtree to JSON (for JSON Schemas and for settings that
    /// other modules parse later). YAML's resolved tags decide the JSON type,
    /// so `5` is an integer and `"5"` a string, as an admin would expect.
    func json() throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: if let b = node.bool { return .bool(b) }
            case Tag.Name.int.rawValue: if let i = node.int { return .int(Int64(i)) }
            case Tag.Name.float.rawValue: if let d = node.float { return .double(d) }
            default: break
            }
            return .string(scalar.string)
        case .sequence:
            return .array(try items().map { try $0.json() })
        case .mapping:
            var object: [String: JSONValue] = [:]
            for (key, value) in try entries() { object[key] = try value.json() }
            return .object(object)
        case .alias:
            throw error("YAML aliases are not supported in the config")
        }
    }
}
