import AirlockCore
import Crypto
import Foundation
@testable import Audit

/// Rewrites a closed store's chain the way a careful attacker with write
/// access to the file would: every hash recomputed, the stored head moved,
/// so that nothing inside the database disagrees any more.
enum ChainTampering {
    /// Recomputes `prev_hash`/`hash` from `from` on (and the stored head),
    /// optionally re-signing checkpoints with another key or dropping them
    /// (renumbering what follows). Triggers must already be dropped.
    static func rehash(_ path: String, from: Int64, resigningWith forger: Curve25519.Signing.PrivateKey? = nil,
                       droppingCheckpoints: Bool = false) throws {
        let records = try AuditReader(path: path).records()
        let storeID = try sqlite(path, "SELECT value FROM audit_meta WHERE key = 'store_id'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var previous = records.first { $0.seq == from - 1 }?.hash ?? ChainHash.genesis(storeID: storeID)
        var statements = ["DELETE FROM audit_events WHERE seq >= \(from);"]
        var seq = from - 1
        for record in records where record.seq >= from {
            if droppingCheckpoints, record.kind == .checkpoint { continue }
            seq += 1
            var event = record.eventText
            if let forger, record.kind == .checkpoint {
                let checkpoint = try AuditCheckpoint.signed(seq: seq - 1, headHash: previous, storeID: storeID,
                                                            reason: .interval, everyEvents: 10, key: forger)
                event = JSONValue.object(["time": .string(checkpoint.time), "kind": "audit.checkpoint",
                                          "fields": .object(checkpoint.fields)]).canonicalText
            }
            let hash = ChainHash.hash(event: event, prevHash: previous, seq: seq)
            statements.append("INSERT INTO audit_events(seq, event, prev_hash, hash) VALUES (\(seq), '\(event)', '\(previous)', '\(hash)');")
            previous = hash
        }
        statements.append("UPDATE audit_meta SET value = '\(seq)' WHERE key = 'head_seq';")
        statements.append("UPDATE audit_meta SET value = '\(previous)' WHERE key = 'head_hash';")
        try sqlite(path, statements.joined(separator: "\n"))
    }

    /// Cuts every record after `keep` and moves the stored head to match
    /// (what /tmp/review-audit/tamper_tail.py did).
    static func cutTail(_ path: String, keeping keep: Int64) throws {
        let hash = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = \(keep)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try sqlite(path, """
            DELETE FROM audit_events WHERE seq > \(keep);
            UPDATE audit_meta SET value = '\(keep)' WHERE key = 'head_seq';
            UPDATE audit_meta SET value = '\(hash)' WHERE key = 'head_hash';
            UPDATE audit_meta SET value = '\(keep)' WHERE key = 'last_checkpoint_seq';
            """)
    }

    /// Makes the given rows' events invalid JSON (a lone surrogate escape,
    /// which SQLite lets through) and recomputes every hash from the first
    /// of them on, as someone hiding checkpoints from a parser would.
    static func corrupt(_ path: String, rows: Set<Int64>) throws {
        guard let first = rows.min() else { return }
        var previous = try sqlite(path, "SELECT hash FROM audit_events WHERE seq = \(first - 1)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var statements: [String] = []
        for line in try sqlite(path, "SELECT seq || ' ' || hex(event) FROM audit_events WHERE seq >= \(first) ORDER BY seq")
            .split(separator: "\n") {
            let parts = line.split(separator: " ")
            let seq = Int64(parts[0])!
            var event = String(decoding: hexBytes(parts[1]), as: UTF8.self)
            if rows.contains(seq) { event = event.replacingOccurrences(of: "{\"fields\"", with: "{\"broken\":\"\\ud800\",\"fields\"") }
            let hash = ChainHash.hash(event: event, prevHash: previous, seq: seq)
            let hex = Array(event.utf8).map { String(format: "%02X", $0) }.joined()
            statements.append("UPDATE audit_events SET event = CAST(X'\(hex)' AS TEXT), prev_hash = '\(previous)', hash = '\(hash)' WHERE seq = \(seq);")
            previous = hash
        }
        statements.append("UPDATE audit_meta SET value = '\(previous)' WHERE key = 'head_hash';")
        try sqlite(path, statements.joined(separator: "\n"))
    }

    private static func hexBytes(_ text: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
