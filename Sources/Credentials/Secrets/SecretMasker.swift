import AirlockCore
import Foundation

/// Replaces secret values in output before it leaves the daemon.
///
/// A tool that prints its credential rarely prints it verbatim only: it may
/// appear base64'd in an Authorization header, percent-encoded in a URL,
/// hex-dumped, or JSON-escaped. Each secret is therefore matched in those
/// encodings too, longest pattern first (so a secret that contains another
/// is masked whole), and replaced by `[REDACTED:secret:NAME]` (the audit
/// trail's shape: the kind and which secret, never the value).
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
        let variants = [value, base64, unpadded, base64URL, hex, hex.uppercased(), percent, jsonEscaped]
        return variants.map { Array($0.utf8) }
    }
}
