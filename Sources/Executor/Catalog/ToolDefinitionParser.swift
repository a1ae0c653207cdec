import AirlockCore
import Credentials
import Foundation
import Sandbox

/// Reads one `tools:` entry of the config into a `ToolDefinition`, checking
/// everything that can be checked before the first call: the schema
/// compiles, every argument the command, stdin, workdir or intent reads is
/// declared in the schema, the template is well formed.
enum ToolDefinitionParser {
    static let keys: Set<String> = [
        "name", "title", "description", "inputSchema", "command", "stdin", "profile", "limits", "workdir", "binds",
        "intent", "secrets", "annotations",
    ]

    static func parse(_ node: ConfigNode, configDirectory: String) throws -> ToolDefinition {
        try node.requireKeys(within: keys)
        let nameNode = try node.required("name")
        let name = try nameNode.string()
        guard name.range(of: "^[A-Za-z0-9_.-]{1,64}$", options: .regularExpression) != nil else {
            throw nameNode.error("tool names are 1-64 characters of A-Z a-z 0-9 _ . -")
        }

        let schemaNode = try node.required("inputSchema")
        let schema: JSONSchema
        do {
            schema = try JSONSchema(try schemaNode.json())
        } catch let error as AirlockError {
            throw schemaNode.error(error.message)
        }
        guard schema.types == ["object"] else { throw schemaNode.error("a tool's inputSchema must have type: object") }

        let commandNode = try node.required("command")
        let command: ArgvTemplate
        do {
            command = try ArgvTemplate(try commandNode.stringList(), path: "command")
        } catch let error as AirlockError {
            throw commandNode.error(error.message)
        }
        func requireDeclared(_ argument: String, _ at: ConfigNode) throws {
            guard schema.properties[argument] != nil else {
                throw at.error("argument '\(argument)' is not declared in inputSchema.properties")
            }
        }
        for argument in command.argumentNames { try requireDeclared(argument, commandNode) }

        var stdinArgument: String?
        if let stdinNode = try node.optional("stdin") {
            let argument = try stdinNode.string()
            try requireDeclared(argument, stdinNode)
            guard schema.properties[argument]?.types == ["string"] else {
                throw stdinNode.error("the stdin argument '\(argument)' must be declared with type: string")
            }
            stdinArgument = argument
        }

        let limits = try node.optional("limits").map(parseLimits) ?? LimitOverrides()
        let workdir = try node.optional("workdir").map { try parseWorkdir($0, requireDeclared) } ?? .workspace
        let intent = try node.optional("intent").map { try parseIntent($0, requireDeclared) } ?? []
        let secrets = try node.optional("secrets").map { try parseSecrets($0, configDirectory) } ?? []
        var readOnly: [BindMount] = []
        var writable: [BindMount] = []
        if let bindsNode = try node.optional("binds") {
            try bindsNode.requireKeys(within: ["read_only", "writable"])
            readOnly = try bindsNode.optional("read_only").map { try parseBinds($0, configDirectory) } ?? []
            writable = try bindsNode.optional("writable").map { try parseBinds($0, configDirectory) } ?? []
        }

        return ToolDefinition(
            name: name,
            title: try node.optional("title")?.string(),
            description: try node.required("description").string(),
            inputSchema: schema,
            command: command,
            stdinArgument: stdinArgument,
            profile: try node.required("profile").string(),
            limits: limits,
            workdir: workdir,
            readOnlyBinds: readOnly,
            writableBinds: writable,
            intent: intent,
            secrets: secrets,
            annotations: try node.optional("annotations")?.json())
    }

    static func parseLimits(_ node: ConfigNode) throws -> LimitOverrides {
        try node.requireKeys(within: [
            "wall_seconds", "cpu_seconds", "memory_bytes", "processes", "output_bytes", "file_size_bytes", "open_files",
        ])
        // The ranges a launch accepts (`LimitBounds`), so that a tool that
        // could never run is refused when the catalog loads.
        return LimitOverrides(
            wallSeconds: try node.optional("wall_seconds")?.double(in: LimitBounds.wall.range),
            cpuSeconds: try node.optional("cpu_seconds")?.uint64(in: LimitBounds.cpu.range),
            memoryBytes: try node.optional("memory_bytes")?.uint64(in: LimitBounds.memory.range),
            processes: try node.optional("processes")?.uint64(in: LimitBounds.processes.range),
            outputBytes: try node.optional("output_bytes")?.uint64(in: LimitBounds.output.range),
            fileSizeBytes: try node.optional("file_size_bytes")?.uint64(in: LimitBounds.fileSize.range),
            openFiles: try node.optional("open_files")?.uint64(in: LimitBounds.openFiles.range))
    }

    static func parseWorkdir(_ node: ConfigNode, _ requireDeclared: (String, ConfigNode) throws -> Void) throws -> WorkdirPolicy {
        if case .mapping = node.node {
            try node.requireKeys(within: ["argument", "within"])
            let argument = try node.required("argument").string()
            try requireDeclared(argument, node)
            let withinNode = try node.required("within")
            let within = try withinNode.string()
            guard within.hasPrefix("/") else { throw withinNode.error("'within' must be an absolute path in the sandbox") }
            return .argument(name: argument, within: within)
        }
        let text = try node.string()
        if text == "workspace" { return .workspace }
        guard text.hasPrefix("/") else { throw node.error("workdir is 'workspace', an absolute path, or {argument, within}") }
        return .fixed(text)
    }

    static func parseIntent(_ node: ConfigNode, _ requireDeclared: (String, ConfigNode) throws -> Void) throws -> [IntentDeclaration] {
        try node.items().map { item in
            try item.requireKeys(within: ["extractor", "argument"])
            let extractorNode = try item.required("extractor")
            guard let extractor = IntentDeclaration.Extractor(rawValue: try extractorNode.string()) else {
                throw extractorNode.error("unknown extractor (expected one of: sql, shell, network)")
            }
            let argument = try item.required("argument").string()
            try requireDeclared(argument, item)
            return IntentDeclaration(extractor: extractor, argument: argument)
        }
    }

    /// A relative `from_file` is taken from the config file's directory
    /// (not the daemon's working directory, which depends on how it was started).
    static func parseSecrets(_ node: ConfigNode, _ configDirectory: String) throws -> [SecretDeclaration] {
        var names = Set<String>(), variables = Set<String>()
        return try node.items().map { item in
            try item.requireKeys(within: ["name", "from_file", "from_env", "env"])
            let name = try item.required("name").string()
            let source: SecretDeclaration.Source
            switch (try item.optional("from_file"), try item.optional("from_env")) {
            case (let file?, nil): source = .file(ConfigLoader.resolve(try file.string(), against: configDirectory))
            case (nil, let variable?): source = .environment(try variable.string())
            default: throw item.error("a secret needs exactly one of 'from_file' or 'from_env'")
            }
            let envNode = try item.required("env")
            let variable = try envNode.string()
            guard variable.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw envNode.error("'\(variable)' is not a valid environment variable name")
            }
            // One name, one value: output masking and the audit find a
            // secret by name, and a second value under the same name (or
            // a second secret into the same variable) would go unmasked.
            guard names.insert(name).inserted else { throw item.error("secret '\(name)' is declared twice") }
            guard variables.insert(variable).inserted else {
                throw envNode.error("two secrets are given to variable \(variable)")
            }
            return SecretDeclaration(name: name, source: source, environmentVariable: variable)
        }
    }

    /// Bind sources are host paths; relative ones are taken from the
    /// config file's directory so an example config works from any cwd.
    static func parseBinds(_ node: ConfigNode, _ configDirectory: String) throws -> [BindMount] {
        try node.items().map { item in
            try item.requireKeys(within: ["source", "destination", "optional"])
            var source = try item.required("source").string()
            if !source.hasPrefix("/") {
                source = URL(fileURLWithPath: source, relativeTo: URL(fileURLWithPath: configDirectory, isDirectory: true))
                    .standardizedFileURL.path
            }
            let destinationNode = try item.required("destination")
            let destination = try destinationNode.string()
            guard destination.hasPrefix("/") else { throw destinationNode.error("'destination' must be an absolute path") }
            return BindMount(source: source, destination: destination,
                             optional: try item.optional("optional")?.bool() ?? false)
        }
    }
}
