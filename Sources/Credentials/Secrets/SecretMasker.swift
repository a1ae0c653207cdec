import AirlockCore
import Foundation

/// Replaces secret values in output before it leaves the daemon.
///
/// A tool that prints its credential rarely prints it verbatim only: it may
/// appear base64'd in an Authorization header (alone, or after a user name
/// in `Basic base64(user:secret)`), percent-encoded in a URL, hex-dumped,
/// or JSON-escaped. Each secret is therefore matched in those encodings
/// too, longest pattern first (so a secret that contains another is masked
/// whole), and replaced by `[REDACTED:secret:NAME]` (the audit trail's
/// shape: the kind and which secret, never the value).
public struct SecretMasker: Sendable {
    private let patterns: [(bytes: [UInt8], replacement: [UInt8])]

    public init(_ secrets: [ResolvedSecret]) {
        var patterns: [(bytes: [UInt8], replacement: [UInt8])] = []
        var seen = Set<[UInt8]>()
        for secret in secrets where !secret.value.isEmpty {
            let replacement = Array("[REDACTED:secret:\(secret.name)]".utf8)
            for variant in Self.encodings(of: secret.value) where !variant.isEmpty && seen.insert(variant).inserted {
                patterns.append((variant, replacement))
            }
        }
        self.patterns = patterns.sorted { $0.bytes.count > $1.bytes.count }
    }

    public var isEmpty: Bool { patterns.isEmpty }

    public func mask(_ text: String) -> String {
        String(decoding: mask(Array(text.utf8)), as: UTF8.self)
    }

    public func mask(_ data: Data) -> Data {
        Data(mask(Array(data)))
    }

    /// Masks every string (and object key) inside a JSON value.
    public func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(mask(s))
        case .array(let a): .array(a.map(mask))
        case .object(let o):
            .object(Dictionary(o.map { (mask($0.key), mask($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: value
        }
    }

    /// One left-to-right pass; at each position the longest matching
    /// pattern wins, and replaced bytes are never rescanned.
    private func mask(_ input: [UInt8]) -> [UInt8] {
        guard !patterns.isEmpty else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        scan: while index < input.count {
            for pattern in patterns where input.count - index >= pattern.bytes.count {
                if input[index] == pattern.bytes[0], input[index..<(index + pattern.bytes.count)].elementsEqual(pattern.bytes) {
                    output.append(contentsOf: pattern.replacement)
                    index += pattern.bytes.count
                    continue scan
                }
            }
            output.append(input[index])
            index += 1
        }
        return output
    }

    /// RFC 3986 unreserved characters: what percent-encoding leaves alone.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The value as it commonly shows up in output.
    static func encodings(of value: String) -> [[UInt8]] {
        let raw = Data(value.utf8)
        let base64 = raw.base64EncodedString()
        let unpadded = base64.replacingOccurrences(of: "=", with: "")
        let base64URL = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let hex = raw.map { String(format: "%02x", $0) }.joined()
        let percent = value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? value
        let jsonEscaped = String(CanonicalJSON.encode(.string(value)).dropFirst().dropLast())
        let cores = base64Cores(of: raw)
        let coresURL = cores.map { $0.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
        let variants = [value, base64, unpadded, base64URL, hex, hex.uppercased(), percent, jsonEscaped] + cores + coresURL
        return variants.map { Array($0.utf8) }
    }

    /// Shorter cores are not matched: a few base64 characters turn up by
    /// chance in any encoded text. Eight carry 48 bits of the secret.
    static let minimumBase64Core = 8

    /// The value's base64 where it sits inside a longer encoded text.
    ///
    /// Base64 turns each 3 bytes into 4 characters, so the characters a
    /// secret turns into depend on its byte offset modulo 3 in what was
    /// encoded: `base64("ab:" + secret)` holds `base64(secret)`, but
    /// `base64("a:" + secret)` does not. For each of the three offsets this
    /// encodes the value after that many bytes, then drops the leading
    /// characters that also hold bits of the bytes before it and the
    /// trailing ones that hold bits of whatever follows (or the padding):
    /// what is left is in every encoding of text with the value at that
    /// offset. At most a character or two at each end stays unmasked.
    static func base64Cores(of raw: Data) -> [String] {
        (0..<3).compactMap { offset in
            let encoded = Array((Data(count: offset) + raw).base64EncodedString().utf8)
            // The first character whose 6 bits all come from the value, and the end of the last one.
            let first = (8 * offset + 5) / 6
            let end = 8 * (offset + raw.count) / 6
            guard end - first >= minimumBase64Core else { return nil }
            return String(decoding: encoded[first..<end], as: UTF8.self)
        }
    }
}
