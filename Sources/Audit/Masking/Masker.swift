import AirlockCore
import Crypto
import Foundation

/// Removes secrets and personal data from text and JSON before anything is
/// written (audit records, and the daemon's log lines).
///
/// A masked value becomes `[REDACTED:<type>:<tag>]`: the type says what was
/// there (`aws_key`, `card_number`...), the tag is the first 16 bits of an
/// HMAC of the value under this masker's key, so two events carrying the same
/// secret can be correlated without revealing it, and 16 bits are too few
/// to confirm a guess against.
public struct Masker: Sendable {
    private let tagger: MaskTag

    /// A masker whose tags are keyed by `tagKey` (keep it out of the audit database).
    public init(tagKey: some DataProtocol) {
        self.tagger = MaskTag(key: Data(tagKey))
    }

    /// A masker with a random key: tags correlate within this process only.
    public init() {
        self.init(tagKey: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// A masker keyed from the daemon's checkpoint signing key, so tags stay
    /// stable across restarts without storing another secret.
    public init(derivedFrom signingKey: Curve25519.Signing.PrivateKey) {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: signingKey.rawRepresentation),
                                             info: Data("airlock.audit.mask-tag.v1".utf8), outputByteCount: 32)
        self.init(tagKey: derived.withUnsafeBytes { Data($0) })
    }

    /// `text` with every detected secret and every occurrence of `secrets` replaced.
    public func mask(_ text: String, secrets: [String] = []) -> String {
        let found = findings(in: text, secrets: secrets)
        guard !found.isEmpty else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var cursor = text.startIndex
        for finding in found {
            output += text[cursor..<finding.range.lowerBound]
            output += marker(type: finding.type, value: text[finding.range])
            cursor = finding.range.upperBound
        }
        output += text[cursor...]
        return output
    }

    /// Masks every string in `value`, object keys included (the caller
    /// picks those too: a token can be the key of a nested argument or of
    /// `_meta`); a string under a secret-looking key (`password`,
    /// `api_key`...) is masked whole when it clears the entropy floor and is
    /// not plainly a path or a URL without credentials (those are evidence;
    /// the detectors still mask what is secret in them); a bare integer that
    /// is a card number becomes a masked string.
    public func mask(_ value: JSONValue, secrets: [String] = []) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(mask(text, secrets: secrets))
        case .int(let number):
            let digits = String(number)
            return SecretValidators.isCardNumber(Substring(digits))
                ? .string(marker(type: "card_number", value: Substring(digits))) : value
        case .array(let elements):
            let passwords = ArgvPasswords.spans(in: elements)
            return .array(elements.enumerated().map { index, element in
                guard let span = passwords[index], let text = element.stringValue else { return mask(element, secrets: secrets) }
                switch span {
                case .whole:
                    return .string(marker(type: "password_argument", value: Substring(text)))
                case .afterPrefix(let count):
                    return .string(String(text.prefix(count)) + marker(type: "password_argument", value: text.dropFirst(count)))
                }
            })
        case .object(let members):
            var masked: [String: JSONValue] = [:]
            masked.reserveCapacity(members.count)
            var renamed: [(original: String, key: String, member: JSONValue)] = []
            for (key, member) in members {
                let value = SecretDetector.isSecretKey(key) ? maskUnderSecretKey(member, secrets: secrets) : mask(member, secrets: secrets)
                let maskedKey = mask(key, secrets: secrets)
                if maskedKey == key { masked[key] = value } else { renamed.append((key, maskedKey, value)) }
            }
            // In the order of their original keys, so the same object is always stored the same way.
            for entry in renamed.sorted(by: { $0.original < $1.original }) {
                masked[Self.unusedKey(entry.key, in: masked)] = entry.member
            }
            return .object(masked)
        case .null, .bool, .double:
            return value
        }
    }

    /// `key`, or when an entry has it already (two keys that mask the same,
    /// or a key that is literally another's marker) `key #2`, `key #3`...:
    /// an audit record keeps every entry the caller sent. The space keeps
    /// masking idempotent: `[REDACTED:secret:tag]#2` would read as a
    /// `secret:` assignment of a value long enough to mask again.
    private static func unusedKey(_ key: String, in object: [String: JSONValue]) -> String {
        var candidate = key
        var number = 2
        while object[candidate] != nil {
            candidate = "\(key) #\(number)"
            number += 1
        }
        return candidate
    }

    /// A value under a secret-named key: a string (or each string of an
    /// array, `{"password": ["…"]}`) is masked whole when it clears the
    /// entropy floor and is not plainly a path or credential-free URL.
    private func maskUnderSecretKey(_ member: JSONValue, secrets: [String]) -> JSONValue {
        switch member {
        case .string(let text):
            let value = Substring(text)
            guard SecretValidators.isSecretValue(value), !text.hasPrefix("[REDACTED:"),
                  !SecretValidators.isPlainLocator(value) else { return mask(member, secrets: secrets) }
            return .string(marker(type: "assignment", value: value))
        case .array(let elements) where elements.allSatisfy({ $0.stringValue != nil }):
            return .array(elements.map { maskUnderSecretKey($0, secrets: secrets) })
        default:
            return mask(member, secrets: secrets)
        }
    }

    /// What `mask` would replace, in order, without overlaps. A string
    /// longer than a scan window goes through the detectors window by
    /// window (see `ScanWindows`), never whole.
    public func findings(in text: String, secrets: [String] = []) -> [MaskFinding] {
        guard text.utf8.count > ScanWindows.size else { return windowFindings(in: text, secrets: secrets) }
        let bytes = Array(text.utf8)
        return ScanWindows.findings(in: bytes) { window in
            let piece = String(decoding: bytes[window], as: UTF8.self)
            func offset(_ index: String.Index) -> Int { window.lowerBound + piece.utf8.distance(from: piece.startIndex, to: index) }
            return windowFindings(in: piece, secrets: secrets).map { found in
                let range = offset(found.range.lowerBound)..<offset(found.range.upperBound)
                let lower = text.utf8.index(text.startIndex, offsetBy: range.lowerBound)
                let upper = text.utf8.index(lower, offsetBy: range.count)
                return (range, MaskFinding(type: found.type, range: lower..<upper))
            }
        }
    }

    /// `findings` over one window's worth of text.
    private func windowFindings(in text: String, secrets: [String]) -> [MaskFinding] {
        var candidates: [(priority: Int, finding: MaskFinding)] = []
        for secret in secrets where secret.count >= 3 {
            for range in text.ranges(of: secret) {
                candidates.append((0, MaskFinding(type: "secret", range: range)))
            }
        }
        // The shortest pattern-detected secret (an email like a@b.io) has 6
        // bytes; shorter text skips the byte scan too.
        var firing = text.utf8.count >= 6 ? SecretDetector.triggers.firing(in: TextFeatures(text)) : 0
        // Computed only once some trigger fires (counting UTF-16 is a scan).
        lazy var whole = NSRange(location: 0, length: text.utf16.count)
        while firing != 0 {
            let index = firing.trailingZeroBitCount
            firing &= firing - 1
            let detector = SecretDetector.all[index]
            for match in detector.regex.matches(in: text, range: whole) {
                guard let range = Range(match.range(at: detector.group), in: text), !range.isEmpty else { continue }
                if let validate = detector.validate, !validate(text[range]) { continue }
                candidates.append((index + 1, MaskFinding(type: detector.type, range: range)))
            }
        }
        guard !candidates.isEmpty else { return [] }
        candidates.sort { ($0.priority, $0.finding.range.lowerBound) < ($1.priority, $1.finding.range.lowerBound) }
        var accepted: [MaskFinding] = []
        for candidate in candidates where !accepted.contains(where: { $0.range.overlaps(candidate.finding.range) }) {
            accepted.append(candidate.finding)
        }
        return accepted.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// `[REDACTED:type:tag]` for one value.
    public func marker(type: String, value: Substring) -> String {
        "[REDACTED:\(type):\(tagger.tag(for: value))]"
    }
}

/// One masked span: what kind of secret and where.
public struct MaskFinding: Sendable, Hashable {
    public var type: String
    public var range: Range<String.Index>
}
