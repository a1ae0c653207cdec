import AirlockCore
import Yams

/// A problem at a line of a YAML file; the loader turns it into
/// `AirlockError` with "FILE:LINE: message", the form editors jump to.
struct LocatedError: Error, Sendable {
    var line: Int
    var message: String

    func airlockError(_ code: AirlockError.Code, source: String) -> AirlockError {
        AirlockError(code, "\(source):\(line): \(message)")
    }
}

/// Strict reading of Yams nodes: unknown keys, wrong types and missing
/// fields are errors with a line, never silently ignored (a misspelled
/// `condtion:` must not turn a forbid into an unconditional one).
enum YAMLDocument {
    static func compose(_ text: String) throws(LocatedError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw LocatedError(line: mark.line, message: "YAML syntax: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                throw LocatedError(line: context.mark.line, message: "duplicated key(s) \(duplicates.joined(separator: ", "))")
            default:
                throw LocatedError(line: 1, message: "YAML: \(error)")
            }
        } catch {
            throw LocatedError(line: 1, message: "YAML: \(error)")
        }
    }

    static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    /// The entries of a mapping, keys as strings, rejecting keys not in `allowed`.
    static func mapping(_ node: Node, _ what: String, allowed: Set<String>? = nil) throws(LocatedError) -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw LocatedError(line: line(node), message: "\(what) must be a mapping") }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw LocatedError(line: line(key), message: "\(what): keys must be strings") }
            if let allowed, !allowed.contains(name) {
                throw LocatedError(line: line(key), message: "\(what): unknown key '\(name)'; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            out[name] = value
        }
        return out
    }

    static func sequence(_ node: Node, _ what: String) throws(LocatedError) -> [Node] {
        guard case .sequence(let sequence) = node else { throw LocatedError(line: line(node), message: "\(what) must be a list") }
        return Array(sequence)
    }

    static func string(_ node: Node, _ what: String) throws(LocatedError) -> String {
        guard case .scalar(let scalar) = node else { throw LocatedError(line: line(node), message: "\(what) must be a string") }
        return scalar.string
    }

    /// A string or a list of strings (`tool: a` or `tool: [a, b]`).
    static func strings(_ node: Node, _ what: String) throws(LocatedError) -> [String] {
        if case .scalar(let scalar) = node { return [scalar.string] }
        return try sequence(node, what).map { (item: Node) throws(LocatedError) -> String in try string(item, what) }
    }

    static func int(_ node: Node, _ what: String) throws(LocatedError) -> Int {
        guard let value = node.int else { throw LocatedError(line: line(node), message: "\(what) must be an integer") }
        return value
    }

    static func bool(_ node: Node, _ what: String) throws(LocatedError) -> Bool {
        guard let value = node.bool else { throw LocatedError(line: line(node), message: "\(what) must be true or false") }
        return value
    }

    /// A YAML value as JSON: plain scalars resolve to null/bool/int/double, quoted ones stay strings.
    static func json(_ node: Node) throws(LocatedError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .int(Int64(i)) }
                if let d = node.float { return .double(d) }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try json(item)) }
            return .array(items)
        case .mapping:
            var object: [String: JSONValue] = [:]
            for (key, value) in try mapping(node, "object") { object[key] = try json(value) }
            return .object(object)
        default:
            throw LocatedError(line: line(node), message: "aliases are not supported here")
        }
    }
}
