import AirlockCore
import Crypto
import Foundation

/// The checkpoint signing key's file. Whoever reads it can sign a rewritten
/// trail, so it follows `PrivateFile`'s rule for secrets: created mode 0600
/// from the first byte, put in place without replacing anything, and an
/// existing one refused when another user owns it or others have any access
/// (it may have been read, and a signature from it proves nothing). It is
/// the daemon's own file in its state folder: never reached through a
/// symlink.
enum AuditKeyFile {
    static func loadOrCreate(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if let existing = try load(at: path) { return existing }
        let key = Curve25519.Signing.PrivateKey()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            // New directories are the daemon's alone; an existing one keeps its mode.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        do {
            try PrivateFile.write(Data(AuditKeys.privateKeyPEM(key).utf8), to: path, mode: 0o600, exclusive: true)
        } catch let error as AirlockError {
            throw AirlockError(error.code, "audit signing key: \(error.message)")
        }
        return key
    }

    /// The key at `path`, `nil` when there is none.
    static func load(at path: String) throws -> Curve25519.Signing.PrivateKey? {
        let contents: Data?
        do {
            contents = try PrivateFile.readPrivateIfPresent(path, followingLinks: false)
        } catch let error as AirlockError {
            throw AirlockError(error.code, "audit signing key: \(error.message). If others could have read it, its "
                               + "signatures prove nothing: start a new trail with a new key")
        }
        return try contents.map { try AuditKeys.privateKey(from: String(decoding: $0, as: UTF8.self)) }
    }
}
