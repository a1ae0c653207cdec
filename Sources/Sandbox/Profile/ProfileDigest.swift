import AirlockCore

extension SandboxProfile {
    /// SHA-256 of the resolved profile's canonical JSON: the
    /// `profileDigest` of the enforcement manifest. Two profiles that
    /// resolve to the same rules have the same digest, whatever files and
    /// `extends:` chains produced them (lists are sorted by the loader, maps
    /// by canonical JSON), and any change to what is enforced changes it.
    public func digest() throws -> String {
        Digest.sha256Hex(try JSONValue(encoding: self))
    }
}
