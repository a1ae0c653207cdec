import AirlockCore
import Foundation
import Sandbox

/// Turns a validated call into the parts of a `LaunchRequest` that depend
/// only on the tool and its arguments (argv, stdin, working directory,
/// binds). Done before the policy runs, so malformed arguments are refused
/// without asking a human about them.
public struct PreparedLaunch: Sendable, Hashable {
    public var argv: [String]
    public var stdin: Data?
    public var workdir: String?
    public var readOnly: [BindMount]
    public var writable: [BindMount]

    public init(tool: ToolDefinition, arguments: [String: JSONValue]) throws {
        argv = try tool.command.render(arguments)
        if let name = tool.stdinArgument, let value = arguments[name], !value.isNull {
            guard let text = value.stringValue else {
                throw AirlockError(.invalidArguments, "argument '\(name)' must be a string")
            }
            stdin = Data(text.utf8)
        }
        switch tool.workdir {
        case .workspace: workdir = nil
        case .fixed(let path): workdir = path
        case .argument(let name, let within):
            if let value = arguments[name], !value.isNull {
                guard let text = value.stringValue else {
                    throw AirlockError(.invalidArguments, "argument '\(name)' must be a string path")
                }
                workdir = try Self.contained(text, within: within, argument: name)
            } else {
                workdir = within
            }
        }
        readOnly = tool.readOnlyBinds
        writable = tool.writableBinds
    }

    /// The request handed to the runner, with the run's credentials added.
    public func request(limits: ResourceLimits, credentials: RunCredentials) -> LaunchRequest {
        LaunchRequest(argv: argv, environment: credentials.environment, stdin: stdin, workdir: workdir,
                      extraReadOnly: readOnly, extraWritable: writable, files: credentials.files, limits: limits)
    }

    /// Resolves `path` lexically against `root` (folding `.` and `..`) and
    /// refuses anything that ends up outside it. Symlinks are the sandbox's
    /// concern: only `root` is visible inside it the way the admin bound it.
    ///
    /// On bytes, as the kernel reads a path: Swift's characters merge a
    /// combining mark with the '/' or '.' before it, and its string equality
    /// takes "café" and "cafe\u{301}" for the same name.
    static func contained(_ path: String, within root: String, argument: String) throws -> String {
        if path.utf8.contains(0) {
            throw AirlockError(.invalidArguments, "argument '\(argument)' contains a NUL byte")
        }
        let slash = UInt8(ascii: "/")
        let rootParts = root.utf8.split(separator: slash).map(Array.init)
        var parts: [[UInt8]] = path.utf8.first == slash ? [] : rootParts
        for component in path.utf8.split(separator: slash) {
            if component.elementsEqual(".".utf8) { continue }
            if component.elementsEqual("..".utf8) {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(Array(component))
        }
        let resolved = "/" + parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
        guard parts.count >= rootParts.count, Array(parts.prefix(rootParts.count)) == rootParts else {
            throw AirlockError(.invalidArguments, "argument '\(argument)' must be a path inside \(root), "
                + "but '\(path)' resolves to \(resolved)")
        }
        return resolved
    }
}
