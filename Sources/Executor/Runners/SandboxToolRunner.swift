import AirlockCore
import Sandbox

/// The production `ToolRunner`: launches through the sandbox engine under
/// the named, already-resolved profile. Cancelling the calling task kills
/// the whole sandbox (the engine watches task cancellation).
public struct SandboxToolRunner: ToolRunner, ProfileSource {
    public let engine: SandboxEngine
    public let profiles: [String: SandboxProfile]
    private let digests: [String: String]

    public init(engine: SandboxEngine = SandboxEngine(), profiles: [String: SandboxProfile]) {
        self.engine = engine
        self.profiles = profiles
        digests = profiles.mapValues(ProfileDigest.of)
    }

    /// Resolves every profile in `names` from `directory` (or the shipped
    /// `Profiles/` when nil), so that a missing or broken profile stops the
    /// daemon at start instead of failing its first call.
    /// `usedBy` names the tools of each profile, for the error that stops the start.
    public static func loading(profiles names: Set<String>, from directory: String?, usedBy: [String: [String]] = [:],
                               engine: SandboxEngine = SandboxEngine()) throws -> SandboxToolRunner {
        let catalog = try directory.map { try ProfileCatalog.load(directory: $0) } ?? ProfileCatalog.shipped()
        var profiles: [String: SandboxProfile] = [:]
        for name in names.sorted() {
            do {
                profiles[name] = try catalog.resolve(name: name)
            } catch let error as AirlockError {
                guard let tools = usedBy[name], !tools.isEmpty else { throw error }
                throw AirlockError(error.code, "profile '\(name)' of tool \(tools.sorted().joined(separator: ", ")): \(error.message)")
            }
        }
        return SandboxToolRunner(engine: engine, profiles: profiles)
    }

    public func limits(ofProfile name: String) throws -> ResourceLimits { try profile(name).limits }

    public func digest(ofProfile name: String) throws -> String {
        _ = try profile(name)
        return digests[name]!
    }

    public func run(_ request: LaunchRequest, profile name: String) async throws -> RunResult {
        try await engine.run(request, profile: try profile(name))
    }

    private func profile(_ name: String) throws -> SandboxProfile {
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted().joined(separator: ", ")
            throw AirlockError(.unknownProfile, "no sandbox profile named '\(name)' (loaded: \(known.isEmpty ? "none" : known))")
        }
        return profile
    }
}
