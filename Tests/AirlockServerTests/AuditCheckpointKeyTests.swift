import AirlockCore
import Audit
import Executor
import Foundation
import Testing

/// The daemon's checkpoint key pair in its state directory.
@Suite("audit checkpoint key in the state directory")
struct AuditCheckpointKeyTests {
    private func stateDirectory() -> String {
        let path = NSTemporaryDirectory() + "airlock-checkpoint-key-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aLostKeyIsNotSilentlyReplaced() throws {
        let state = stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let key = try AuditCheckpointKey.loadOrCreate(directory: state)
        #expect(try AuditCheckpointKey.loadOrCreate(directory: state).rawRepresentation == key.rawRepresentation)
        try FileManager.default.removeItem(atPath: state + "/" + AuditCheckpointKey.fileName)
        let refusal = #expect(throws: AirlockError.self) { try AuditCheckpointKey.loadOrCreate(directory: state) }
        #expect(refusal?.message.contains("is missing but its public key") == true)
        #expect(!FileManager.default.fileExists(atPath: state + "/" + AuditCheckpointKey.fileName))
    }

    @Test func aPublicKeyThatDoesNotMatchIsRefusedNotRewritten() throws {
        let state = stateDirectory(), elsewhere = stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state); try? FileManager.default.removeItem(atPath: elsewhere) }
        _ = try AuditCheckpointKey.loadOrCreate(directory: state)
        let publicPath = state + "/" + AuditCheckpointKey.publicFileName
        let other = AuditKeys.publicKeyPEM(try AuditCheckpointKey.loadOrCreate(directory: elsewhere).publicKey)
        try other.write(toFile: publicPath, atomically: true, encoding: .utf8)
        #expect(throws: AirlockError.self) { try AuditCheckpointKey.loadOrCreate(directory: state) }
        #expect(try String(contentsOfFile: publicPath, encoding: .utf8) == other)
    }
}
