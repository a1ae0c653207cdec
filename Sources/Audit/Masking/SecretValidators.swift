import Foundation

/// Checks that turn "looks like" into "is": a pattern alone would mask
/// every long number and every `token=true`.
enum SecretValidators {
    /// Luhn checksum over the digits of `text` (separators ignored).
    static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if index % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// A card number: 12–19 digits, a known issuer prefix for that length,
    /// and a valid Luhn check digit. The issuer table is what keeps
    /// Luhn-valid timestamps (`1732181234567`) and ids from being masked.
    static func isCardNumber(_ text: Substring) -> Bool {
        let digits = text.utf8.compactMap { $0 >= 48 && $0 <= 57 ? $0 - 48 : nil }
        guard (12...19).contains(digits.count), issuerAccepts(digits) else { return false }
        return passesLuhn(digits)
    }

    private static func issuerAccepts(_ d: [UInt8]) -> Bool {
        func prefix(_ n: Int) -> Int { d.prefix(n).reduce(0) { $0 * 10 + Int($1) } }
        let length = d.count
        switch d[0] {
        case 4: return [13, 16, 19].contains(length)                                   // Visa
        case 5: return (51...55).contains(prefix(2)) && length == 16                 // Mastercard
        case 2: return (2221...2720).contains(prefix(4)) && length == 16             // Mastercard 2-series
        case 3:
            if [34, 37].contains(prefix(2)) { return length == 15 }                  // Amex
            if (3528...3589).contains(prefix(4)) { return (16...19).contains(length) } // JCB
            if (300...305).contains(prefix(3)) || [36, 38, 39].contains(prefix(2)) { return (14...19).contains(length) } // Diners
            return false
        case 6:
            if prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)) { return (16...19).contains(length) } // Discover
            if prefix(2) == 62 { return (16...19).contains(length) }                  // UnionPay
            return false
        default: return false
        }
    }

    /// ISO 13616 IBAN: country letters, check digits, 11–30 alphanumerics,
    /// and the mod-97 remainder 1.
    static func isIBAN(_ text: Substring) -> Bool {
        let compact = text.utf8.filter { $0 != 32 }
        guard (15...34).contains(compact.count) else { return false }
        let rearranged = compact[4...] + compact[..<4]
        var remainder = 0
        for byte in rearranged {
            switch byte {
            case 48...57: remainder = (remainder * 10 + Int(byte - 48)) % 97
            case 65...90: remainder = (remainder * 100 + Int(byte - 55)) % 97
            default: return false
            }
        }
        return remainder == 1
    }

    /// US SSN rules: area not 000, 666 or 9xx; group not 00; serial not 0000.
    static func isSSN(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let area = Int(parts[0]), let group = Int(parts[1]), let serial = Int(parts[2]) else {
            return false
        }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// Shannon entropy of the value in bits per character, times its length:
    /// `hunter2` ≈ 20 bits, `true` 8, `none` 6, `********` 0.
    static func entropyBits(_ text: Substring) -> Double {
        var counts: [UInt8: Int] = [:]
        for byte in text.utf8 { counts[byte, default: 0] += 1 }
        let total = Double(text.utf8.count)
        guard total > 0 else { return 0 }
        let perCharacter = counts.values.reduce(0.0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
        return perCharacter * total
    }

    /// Minimum entropy (bits) of a value after `password=`, `token:` and
    /// the like before it is treated as a secret.
    static let assignmentEntropyFloor = 18.0

    /// A value after a secret-looking key: not a placeholder or a reference,
    /// and above the entropy floor.
    static func isSecretValue(_ text: Substring) -> Bool {
        guard text.utf8.count >= 6, !isPlaceholder(text) else { return false }
        return entropyBits(text) >= assignmentEntropyFloor
    }

    /// A value under a secret-named key that is clearly where a secret
    /// lives rather than the secret: a URL without credentials in it, or an
    /// absolute or home-relative path of at least two parts whose parts look
    /// like file names (lowercase, or with `.`, `_`, `-` in them), which a
    /// base64 secret that happens to hold `/` does not. It is kept for the
    /// ordinary detectors, which still mask tokens inside it.
    static func isPlainLocator(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 4096,
              !text.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else { return false }
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound]
            guard let first = scheme.utf8.first, (97...122).contains(first), scheme.utf8.count <= 32,
                  scheme.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46 })
            else { return false }
            let authority = text[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            return !authority.isEmpty && !authority.contains("@")
        }
        let body: Substring
        if text.hasPrefix("/") { body = text.dropFirst() }
        else if text.hasPrefix("~/") || text.hasPrefix("./") { body = text.dropFirst(2) }
        else if text.hasPrefix("../") { body = text.dropFirst(3) }
        else { return false }
        let parts = body.split(separator: "/")
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            part.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 95 || $0 == 45 }
                || part.utf8.contains { $0 == 46 || $0 == 95 || $0 == 45 }
        }
    }

    /// A reference to a secret rather than one (`$DB_PASSWORD`, `<password>`, `vault:…`).
    static func isPlaceholder(_ text: Substring) -> Bool {
        ["$", "%", "<", "{{", "[REDACTED", "***", "(", "env:", "vault:"].contains { text.hasPrefix($0) }
    }

    /// The value given to a password option (`--password X`, `mysql -pX`,
    /// `sshpass -p X`): the option says it is a password, so no entropy
    /// floor; only a placeholder or another option is not one.
    static func isPasswordArgument(_ text: Substring) -> Bool {
        !text.isEmpty && !text.hasPrefix("-") && !isPlaceholder(text)
    }

    /// `Basic` credentials: base64 of `user:password`.
    static func isBasicCredentials(_ text: Substring) -> Bool {
        guard let decoded = Data(base64Encoded: String(text)), let pair = String(data: decoded, encoding: .utf8) else {
            return false
        }
        return pair.contains(":") && !pair.contains { $0.isNewline }
    }
}
