import Crypto
import Foundation
@testable import Audit

/// The trail the tamper, checkpoint-spacing and anchor tests attack: `events`
/// `call.received` records in `directory/audit.sqlite`, a signed checkpoint
/// every 10, closed (or left open, as after a crash), append-only triggers
/// dropped as anyone with write access to the file can. With `anchored`,
/// every checkpoint is also published to `audit-anchors.jsonl` beside it.
struct TamperableTrail {
    let key = Curve25519.Signing.PrivateKey()
    let anchored: Bool

    init(anchored: Bool = false) {
        self.anchored = anchored
    }

    /// A store on the trail's file, publishing anchors when `anchored`.
    func store(_ directory: TemporaryDirectory, checkpointEvery: Int = 10) throws -> AuditStore {
        var publish: CheckpointPublisher?
        if anchored {
            let anchors = directory.file("audit-anchors.jsonl")
            publish = { try AnchorFile(path: anchors).append($0) }
        }
        return try AuditStore(path: directory.file("audit.sqlite"), signingKey: key, checkpointEvery: checkpointEvery,
                              publish: publish)
    }

    /// Writes the trail; returns the database's path.
    func make(in directory: TemporaryDirectory, events: Int = 30, close: Bool = true) async throws -> String {
        let store = try store(directory)
        try await store.appendCalls(0..<events)
        if close { try await store.close() }
        let path = directory.file("audit.sqlite")
        try disableAppendOnlyGuards(path)
        return path
    }

    /// Verifies it with the signing key (or none), against the anchor file when `anchored`.
    func verify(_ directory: TemporaryDirectory, keys: Bool = true) throws -> VerificationReport {
        let anchors = anchored ? try AnchorFile(path: directory.file("audit-anchors.jsonl")).anchors() : []
        return try AuditReader(path: directory.file("audit.sqlite"))
            .verify(VerifyOptions(trustedKeys: keys ? [key.publicKey] : nil, anchors: anchors))
    }
}
