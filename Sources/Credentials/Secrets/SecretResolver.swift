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
            value = String(decoding: try privateContents(of: path, named: name), as: UTF8.self).trimmingCharacters(in: .newlines)
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

    /// A secret file must be the daemon's (or root's) and closed to group
    /// and others: one anyone else can read is already leaked, and one
    /// anyone else can write hands them the credential a tool runs with.
    static func privateContents(of path: String, named name: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw AirlockError(.invalidConfig, "secret \(name): cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw AirlockError(.invalidConfig, "secret \(name): \(path) belongs to uid \(info.st_uid); "
                + "give it to uid \(geteuid()) or root")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw AirlockError(.invalidConfig, "secret \(name): \(path) has mode \(String(info.st_mode & 0o777, radix: 8)); "
                + "a secret file must be 0600 (chmod 600 \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AirlockError(.invalidConfig, "secret \(name): cannot read \(path)")
        }
        return data
    }
}
