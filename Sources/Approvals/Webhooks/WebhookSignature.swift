import AirlockCore
import Crypto
import Foundation

/// HMAC-SHA256 over `"<timestamp>.<body>"`, sent as
/// `X-Airlock-Signature: sha256=<hex>` with `X-Airlock-Timestamp: <unix s>`.
/// Signing the timestamp with the body lets a receiver refuse replays of an
/// old, validly signed request (Slack's own signing works the same way).
public enum WebhookSignature {
    public static let signatureHeader = "X-Airlock-Signature"
    public static let timestampHeader = "X-Airlock-Timestamp"

    public static func sign(body: Data, timestamp: Int64, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Array(mac).hexString
    }

    /// What a receiver does: recompute and compare in constant time, and
    /// refuse timestamps further than `tolerance` seconds from `now`.
    public static func verify(body: Data, timestamp: Int64, signature: String, secret: String,
                              now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { return false }
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
