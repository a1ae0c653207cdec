import AirlockCore

/// A tool's command line, with argument placeholders that each fill whole
/// argv elements — never shell text.
///
/// Elements of the template are either literal strings or exactly one
/// placeholder (the whole element):
///
/// - `{{name}}`  — the argument's value becomes exactly one argv element.
///   The argument must be present.
/// - `{{name?}}` — the same, but the element is left out when the argument
///   is absent or null.
/// - `{{name...}}` — the argument must be an array of scalars; each item
///   becomes one argv element. This is the only way a single argument can
///   produce more than one element, and the template has to ask for it.
///
/// A placeholder embedded in a larger element (`--name={{name}}`,
/// `/data/{{file}}`) is rejected when the catalog loads: concatenation
/// makes the element's meaning depend on the value (a path can climb out of
/// its prefix, an `=` can be smuggled), so templates must pass values as
/// separate elements. argv[0] must be a literal: callers never choose the
/// program.
///
/// Flags: a value that begins with `-` is refused unless the placeholder
/// comes after a literal `--` element, because otherwise `--output=/etc/x`
/// sent as a "filename" would be parsed by the program as an option. Writing
/// `--` in the template is how an admin says "operands follow".
///
/// Values are converted without interpretation: strings verbatim, integers
/// in decimal, other numbers in their shortest form, booleans as
/// `true`/`false`. A negative number counts as option-like too (`head -5`).
/// Objects and nulls (outside `{{name?}}`) are refused, and
/// so is a NUL byte, which no argv element can carry.
public struct ArgvTemplate: Sendable, Hashable {
    public enum Element: Sendable, Hashable {
        case literal(String)
        case argument(name: String, optional: Bool, spread: Bool, afterDoubleDash: Bool)
    }

    public let elements: [Element]

    /// Parses `template`; `path` locates errors in the config.
    public init(_ template: [String], path: String) throws {
        guard let first = template.first else {
            throw AirlockError(.invalidConfig, "\(path): the command template is empty")
        }
        if first.contains("{{") || first.contains("}}") {
            throw AirlockError(.invalidConfig, "\(path)[0]: the program (argv[0]) must be a literal, not '\(first)'")
        }
        var seenDoubleDash = false
        var elements: [Element] = []
        for (index, text) in template.enumerated() {
            if let placeholder = try Self.placeholder(text, path: "\(path)[\(index)]") {
                // `-o {{out?}} {{in}}` without `out` would run `-o IN`: an
                // option's value must always be there, and be one element.
                if placeholder.optional || placeholder.spread, index > 0, case .literal(let option) = elements[index - 1],
                   option.utf8.first == UInt8(ascii: "-"), option != "--" {
                    throw AirlockError(.invalidConfig, "\(path)[\(index)]: '\(text)' right after the option '\(option)' would shift "
                        + "the next argument into the option's place when it is absent or has several values; make it required")
                }
                elements.append(.argument(name: placeholder.name, optional: placeholder.optional,
                                          spread: placeholder.spread, afterDoubleDash: seenDoubleDash))
            } else {
                if text == "--" { seenDoubleDash = true }
                elements.append(.literal(text))
            }
        }
        self.elements = elements
    }

    /// Names of every argument the template reads.
    public var argumentNames: [String] {
        elements.compactMap { if case .argument(let name, _, _, _) = $0 { name } else { nil } }
    }

    private static func placeholder(_ text: String, path: String) throws -> (name: String, optional: Bool, spread: Bool)? {
        guard text.contains("{{") || text.contains("}}") else { return nil }
        guard text.hasPrefix("{{"), text.hasSuffix("}}"), text.count > 4 else {
            throw AirlockError(.invalidConfig, "\(path): '\(text)' embeds a placeholder inside a larger element; "
                + "a placeholder must be the whole element (e.g. pass '--name' and '{{name}}' as two elements)")
        }
        var inner = String(text.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces)
        var optional = false
        var spread = false
        if inner.hasSuffix("...") { spread = true; inner.removeLast(3) }
        if inner.hasSuffix("?") { optional = true; inner.removeLast() }
        let valid = !inner.isEmpty && inner.unicodeScalars.allSatisfy {
            (("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" || $0 == "-")
        }
        guard valid else {
            throw AirlockError(.invalidConfig, "\(path): '\(text)' is not a placeholder; write {{name}}, {{name?}} or {{name...}}")
        }
        return (inner, optional, spread)
    }

    /// The argv for one call. Throws `invalidArguments` naming the argument.
    public func render(_ arguments: [String: JSONValue]) throws -> [String] {
        var argv: [String] = []
        for element in elements {
            switch element {
            case .literal(let text):
                argv.append(text)
            case .argument(let name, let optional, let spread, let afterDoubleDash):
                let value = arguments[name]
                if value == nil || value == .null {
                    if optional { continue }
                    throw AirlockError(.invalidArguments, "argument '\(name)' is required by this tool's command")
                }
                if spread {
                    guard case .array(let items) = value! else {
                        throw AirlockError(.invalidArguments, "argument '\(name)' must be a list")
                    }
                    for (i, item) in items.enumerated() {
                        argv.append(try Self.text(item, name: "\(name)[\(i)]", afterDoubleDash: afterDoubleDash))
                    }
                } else {
                    argv.append(try Self.text(value!, name: name, afterDoubleDash: afterDoubleDash))
                }
            }
        }
        return argv
    }

    static func text(_ value: JSONValue, name: String, afterDoubleDash: Bool) throws -> String {
        let text: String
        switch value {
        case .string(let s): text = s
        case .int(let i): text = String(i)
        case .double(let d):
            guard d.isFinite else { throw AirlockError(.invalidArguments, "argument '\(name)' is not a finite number") }
            text = String(d)
        case .bool(let b): text = b ? "true" : "false"
        case .null, .array, .object:
            throw AirlockError(.invalidArguments, "argument '\(name)' must be a string, number or boolean, not \(value.typeName)")
        }
        if text.utf8.contains(0) {
            throw AirlockError(.invalidArguments, "argument '\(name)' contains a NUL byte, which a command-line argument cannot carry")
        }
        // The first byte, as getopt reads it: a combining mark after the
        // dash makes one Swift character that is not "-".
        if text.utf8.first == UInt8(ascii: "-"), !afterDoubleDash {
            throw AirlockError(.invalidArguments, "argument '\(name)' starts with '-' and would be read as an option; "
                + "this tool does not accept option-like values here")
        }
        return text
    }
}
