/// Host names and addresses as an allowlist must compare them: lower-case,
/// no trailing dot, no brackets, percent-decoded, and IPv4 in dotted
/// decimal whatever the spelling (`2130706433`, `0x7f.1`, `0177.0.0.1` are
/// all `127.0.0.1` to curl and to the kernel), and the ideographic and
/// fullwidth full stops as the `.` that IDNA (libidn2) makes of them.
enum HostName {
    static func normalize(_ raw: String) -> String {
        var host = mappingIDNADots(percentDecode(raw)).lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        if let v4 = ipv4(host) { return dotted(v4) }
        return host
    }

    /// The 32-bit address of an inet_aton-style IPv4 spelling, or nil.
    static func ipv4(_ host: String) -> UInt32? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard !part.isEmpty else { return nil }
            let value: UInt64?
            if part.hasPrefix("0x") || part.hasPrefix("0X") {
                value = part.count == 2 ? 0 : UInt64(part.dropFirst(2), radix: 16)
            } else if part.hasPrefix("0"), part.count > 1 {
                value = UInt64(part.dropFirst(), radix: 8)
            } else {
                value = UInt64(part, radix: 10)
            }
            guard let value else { return nil }
            values.append(value)
        }
        // The last part fills all remaining bytes (a.b.c.d, a.b.c16, a.b24, a32).
        var address: UInt64 = 0
        for (k, value) in values.enumerated() {
            if k == values.count - 1 {
                let bits = UInt64(8 * (4 - k))
                guard value < (1 << bits) else { return nil }
                address = (address << bits) | value
            } else {
                guard value < 256 else { return nil }
                address = (address << 8) | value
            }
        }
        return UInt32(address)
    }

    /// `evil。example` is `evil.example` to curl: libidn2 maps U+3002,
    /// U+FF0E and U+FF61 to a full stop before it resolves the name.
    static func mappingIDNADots(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { idnaDots.contains($0) }) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { idnaDots.contains($0) ? "." : $0 }))
    }

    private static let idnaDots: Set<Unicode.Scalar> = ["\u{3002}", "\u{FF0E}", "\u{FF61}"]

    static func dotted(_ a: UInt32) -> String {
        "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)"
    }

    private static func percentDecode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.first {
            if c == UInt8(ascii: "%"), u.count >= 3, let v = UInt8(String(decoding: u.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                u = u.dropFirst(3)
            } else {
                bytes.append(c)
                u = u.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Addresses from which a cloud instance serves its credentials.
    static let metadataHosts: Set<String> = ["169.254.169.254", "169.254.170.2", "metadata.google.internal", "metadata",
                                             "fd00:ec2::254", "100.100.100.200"]
}

/// Where a URL or host argument points.
enum NetworkAddress {
    /// The host(s) of a URL. When parsers disagree (a backslash before an
    /// `@`: WHATWG ends the host at the backslash, RFC 3986 does not), every
    /// candidate is returned so each must pass the allowlist.
    static func hosts(ofURL url: String) -> [String]? {
        guard let rest = afterScheme(url) else { return nil }
        var candidates: [String] = []
        for terminators in ["/?#", "/?#\\"] {
            let authority = rest.prefix { !terminators.contains($0) }
            let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            let host = HostName.normalize(stripPort(hostPort))
            if !host.isEmpty, !candidates.contains(host) { candidates.append(host) }
        }
        return candidates
    }

    /// Whether a network client reads `text` as a URL: it has `://`, or it
    /// starts with a scheme and a colon followed by one to three slashes,
    /// all of which curl accepts (`http:/evil.example`, `http:///evil.example`).
    static func isURL(_ text: String) -> Bool { afterScheme(text) != nil }

    /// The authority and path of a URL, after its scheme and slashes.
    private static func afterScheme(_ url: String) -> Substring? {
        // `file:///path` names no host; its third slash begins the path.
        if let scheme = url.firstIndex(of: ":"), isScheme(url[..<scheme]), url[..<scheme].lowercased() != "file" {
            let slashes = url[url.index(after: scheme)...].prefix { $0 == "/" }
            if (1...3).contains(slashes.count) { return url[slashes.endIndex...] }
        }
        // `://` inside a word (`--url=http://x`, `u=http://x`): the scheme does not start it.
        return url.after("://")
    }

    /// `[A-Za-z][A-Za-z0-9+.-]*`, as RFC 3986 and curl spell a scheme.
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
    }

    /// The host of a bare argument such as `example.com/path`, `user@host`,
    /// `host:path` (scp) or `host:443`.
    static func host(ofBare text: String) -> String {
        var t = Substring(text)
        if let at = t.lastIndex(of: "@") { t = t[t.index(after: at)...] }
        if let slash = t.firstIndex(of: "/") { t = t[..<slash] }
        return HostName.normalize(stripPort(String(t)))
    }

    private static func stripPort(_ hostPort: String) -> String {
        if hostPort.hasPrefix("[") { return String(hostPort.prefix { $0 != "]" }) + "]" }
        let colons = hostPort.filter { $0 == ":" }.count
        if colons == 1, let colon = hostPort.firstIndex(of: ":") { return String(hostPort[..<colon]) }
        return hostPort
    }

    /// Whether a bare word plausibly names a host (has a dot or is an IP), so
    /// that `curl README` is not taken for a destination.
    static func looksLikeHost(_ text: String) -> Bool {
        let host = host(ofBare: text)
        guard !host.isEmpty, !host.hasPrefix("-"), !host.hasPrefix("."), !host.hasPrefix("~") else { return false }
        if host.contains(":") || HostName.ipv4(host) != nil { return true }
        return host.contains(".") && host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
            || HostName.metadataHosts.contains(host) || host == "localhost"
    }
}
