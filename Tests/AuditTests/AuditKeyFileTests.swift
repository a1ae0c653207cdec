import AirlockCore
import Crypto
import Foundation
import Synchronization
import Testing
@testable import Audit

/// The checkpoint signing key: whoever reads it can sign a rewritten trail.
@Suite("Audit signing key file", .serialized)
struct AuditKeyFileTests {
    private func mode(_ path: String) throws -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw AirlockError(.notFound, "no \(path)") }
        return info.st_mode & 0o777
    }

    /// Under the usual umask, in a directory others may list, no file the
    /// creation leaves behind, or passes through, is readable by others. A
    /// watcher lists and stats the directory throughout.
    @Test func aNewKeyIsNeverReadableByOthers() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let keys = directory.file("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        let previous = umask(0o022)
        defer { umask(previous) }
        let done = Atomic(false)
        let exposed = Mutex<[String]>([])
        let watcher = Thread {
            while !done.load(ordering: .relaxed) {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: keys)) ?? [] {
                    var info = stat()
                    if lstat(keys + "/" + name, &info) == 0, info.st_mode & 0o077 != 0 {
                        exposed.withLock { $0.append("\(name) \(String(info.st_mode & 0o777, radix: 8))") }
                    }
                }
            }
        }
        watcher.start()
        let path = keys + "/audit-checkpoint.pem"
        for _ in 0..<200 {
            _ = try AuditKeys.loadOrCreatePrivateKey(at: path)
            #expect(try mode(path) == 0o600)
            unlink(path)
        }
        done.store(true, ordering: .relaxed)
        #expect(exposed.withLock { $0 }.isEmpty, "readable by others: \(exposed.withLock { $0.prefix(5) })")
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys).isEmpty, "no temporary files left")
    }

    @Test func aNewKeyInANewDirectoryIsPrivateAndLoadsBack() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("state/audit-checkpoint.pem")
        let key = try AuditKeys.loadOrCreatePrivateKey(at: path)
        #expect(try mode(directory.file("state")) == 0o700)
        #expect(try AuditKeys.loadOrCreatePrivateKey(at: path).rawRepresentation == key.rawRepresentation)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func aKeyOthersCouldReadIsRefused(_ permissions: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("audit-checkpoint.pem")
        _ = try AuditKeys.loadOrCreatePrivateKey(at: path)
        chmod(path, mode_t(permissions))
        let refusal = #expect(throws: AirlockError.self) { try AuditKeys.loadOrCreatePrivateKey(at: path) }
        #expect(refusal?.message.contains("has mode \(String(permissions, radix: 8))") == true
                    && refusal?.message.contains("prove nothing") == true,
                "\(refusal?.message ?? "")")
    }

    @Test(.enabled(if: geteuid() == 0, "chown needs root"))
    func aKeyOwnedByAnotherUserIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("audit-checkpoint.pem")
        _ = try AuditKeys.loadOrCreatePrivateKey(at: path)
        #expect(chown(path, 65534, 65534) == 0)
        let refusal = #expect(throws: AirlockError.self) { try AuditKeys.loadOrCreatePrivateKey(at: path) }
        #expect(refusal?.message.contains("belongs to uid 65534") == true, "\(refusal?.message ?? "")")
    }

    @Test func aKeyBehindASymlinkIsRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let real = directory.file("real.pem")
        _ = try AuditKeys.loadOrCreatePrivateKey(at: real)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.pem"), withDestinationPath: real)
        #expect(throws: AirlockError.self) { try AuditKeys.loadOrCreatePrivateKey(at: directory.file("link.pem")) }
        // A dangling link is not replaced by a new key either.
        try FileManager.default.createSymbolicLink(atPath: directory.file("dangling.pem"), withDestinationPath: directory.file("none"))
        #expect(throws: AirlockError.self) { try AuditKeys.loadOrCreatePrivateKey(at: directory.file("dangling.pem")) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("none")))
    }

    /// A trail is signed by one key: another one, or none, is refused with
    /// the way to rotate on purpose.
    @Test func aStoreRefusesAChangedOrMissingKey() async throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanUp() }
        let original = Curve25519.Signing.PrivateKey()
        let store = try AuditStore.forTest(in: directory, key: original)
        _ = try await store.append(AuditEvent(kind: .daemonStarted))
        try await store.close()

        let path = directory.file("audit.sqlite")
        let refusal = #expect(throws: AirlockError.self) {
            try AuditStore(path: path, signingKey: Curve25519.Signing.PrivateKey())
        }
        #expect(refusal?.code == .auditUnavailable)
        #expect(refusal?.message.contains("is signed by key \(AuditKeys.keyID(original.publicKey)), but the checkpoint key given is") == true)
        #expect(refusal?.message.contains("to rotate on purpose, move the database and its anchor file aside") == true)
        #expect(throws: AirlockError.self) { try AuditStore(path: path, signingKey: nil) }
        let reopened = try AuditStore(path: path, signingKey: original)
        try await reopened.close()
        #expect(try AuditReader(path: path).verify(trustedKeys: [original.publicKey]).ok)
    }
}
