import AirlockCore
import Credentials
import Sandbox

extension ToolDefinition {
    /// sha256 of everything in the definition that decides what a call
    /// runs and how: command template, stdin, profile, limits, working
    /// directory, binds, secrets, intent extractors and input schema (not
    /// the description or annotations, which only inform). An approval
    /// records it, so a resume after the catalog changed the command is
    /// refused rather than running a command nobody approved.
    ///
    /// The profile is bound by its name and, once the executor has set
    /// `profileDigest`, by what it resolved to: a profile loosened under the
    /// same name (network on, another bind) is a different tool.
    public var definitionDigest: String {
        Digest.sha256Hex(JSONValue.object([
            "name": .string(name),
            "command": .array(command.elements.map(Self.json)),
            "stdin": stdinArgument.map(JSONValue.string) ?? .null,
            "profile": .string(profile),
            "profile_digest": profileDigest.map(JSONValue.string) ?? .null,
            "limits": .object([
                "wall_seconds": limits.wallSeconds.map(JSONValue.double) ?? .null,
                "cpu_seconds": Self.json(limits.cpuSeconds),
                "memory_bytes": Self.json(limits.memoryBytes),
                "processes": Self.json(limits.processes),
                "output_bytes": Self.json(limits.outputBytes),
                "file_size_bytes": Self.json(limits.fileSizeBytes),
                "open_files": Self.json(limits.openFiles),
            ]),
            "workdir": Self.json(workdir),
            "read_only_binds": .array(readOnlyBinds.map(Self.json)),
            "writable_binds": .array(writableBinds.map(Self.json)),
            "secrets": .array(secrets.map(Self.json)),
            "intent": .array(intent.map { .object(["extractor": .string($0.extractor.rawValue), "argument": .string($0.argument)]) }),
            "input_schema": inputSchema.source,
        ]))
    }

    private static func json(_ element: ArgvTemplate.Element) -> JSONValue {
        switch element {
        case .literal(let text):
            .object(["literal": .string(text)])
        case .argument(let name, let optional, let spread, let afterDoubleDash):
            .object(["argument": .string(name), "optional": .bool(optional), "spread": .bool(spread),
                     "after_double_dash": .bool(afterDoubleDash)])
        }
    }

    private static func json(_ value: UInt64?) -> JSONValue {
        value.map { .int(Int64(clamping: $0)) } ?? .null
    }

    private static func json(_ workdir: WorkdirPolicy) -> JSONValue {
        switch workdir {
        case .workspace: .object(["workspace": .bool(true)])
        case .fixed(let path): .object(["fixed": .string(path)])
        case .argument(let name, let within): .object(["argument": .string(name), "within": .string(within)])
        }
    }

    private static func json(_ bind: BindMount) -> JSONValue {
        .object(["source": .string(bind.source), "destination": .string(bind.destination), "optional": .bool(bind.optional)])
    }

    private static func json(_ secret: SecretDeclaration) -> JSONValue {
        let source: JSONValue = switch secret.source {
        case .file(let path): .object(["file": .string(path)])
        case .environment(let variable): .object(["env": .string(variable)])
        }
        return .object(["name": .string(secret.name), "source": source, "env": .string(secret.environmentVariable)])
    }
}
