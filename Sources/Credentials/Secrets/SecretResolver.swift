import AirlockCore
import Foundation

/// Reads declared secrets at the moment a run needs them (after policy and
/// approval), so a rotated file or variable is picked up without a restart.
/// A missing or empty secret is an error: running a tool without the
/// credential it expects fails in confusing ways, refusing is clearer.
public enum SecretResolver {
    public static func resolve(_ declarations: [SecretDeclaration],
                               environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> [ResolvedSecret]
    {
        try declarations.map { declaration in
            let value: String
            switch declaration.source {
            case .file(let path):
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw AirlockError(.invalidConfig, "secret \(declaration.name): cannot read \(path)")
                }
                value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            case .environment(let variable):
                guard let found = environment[variable] else {
                    throw AirlockError(.invalidConfig,
                                       "secret \(declaration.name): variable \(variable) is not set in the daemon's environment")
                }
                value = found
            }
            guard !value.isEmpty else {
                throw AirlockError(.invalidConfig, "secret \(declaration.name) is empty")
            }
            return ResolvedSecret(name: declaration.name, value: value)
        }
    }
}
