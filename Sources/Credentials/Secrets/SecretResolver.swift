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
            ResolvedSecret(name: declaration.name,
                           value: try value(of: declaration.source, named: declaration.name, environment: environment))
        }
    }

    /// The value behind one source. Also used for secrets that are not a
    /// tool's, such as a webhook's signing key, so every secret the daemon
    /// reads follows the same rules. Errors name `name`, never the value.
    public static func value(of source: SecretDeclaration.Source, named name: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let value: String
        switch source {
        case .file(let path):
            // The daemon's own and 0600, like its signing keys.
            let data: Data
            do {
                data = try PrivateFile.readPrivate(path)
            } catch let error as AirlockError {
                throw AirlockError(error.code, "secret \(name): \(error.message)")
            }
            value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        case .environment(let variable):
            guard let found = environment[variable] else {
                throw AirlockError(.invalidConfig,
                                   "secret \(name): variable \(variable) is not set in the daemon's environment")
            }
            value = found
        }
        guard !value.isEmpty else {
            throw AirlockError(.invalidConfig, "secret \(name) is empty")
        }
        return value
    }

}
