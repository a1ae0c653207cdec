/// The policy's egress allowlist: exact hosts, domain suffixes and IPv4
/// CIDR blocks. A destination not on it is exfiltration as far as policy
/// is concerned.
public struct NetworkAllowlist: Sendable, Hashable {
    private var exact: Set<String> = []
    /// `.example.com` matches example.com and its subdomains; `*.example.com` subdomains only.
    private var suffixes: [(suffix: String, includeApex: Bool)] = []
    private var blocks: [(network: UInt32, mask: UInt32)] = []
    /// The entries as written, normalized; part of the canonical policy.
    public private(set) var entries: [String] = []

    public init() {}

    /// Parses allowlist entries; throws a message naming the bad entry.
    public init(entries: [String]) throws(AllowlistError) {
        for raw in entries { try add(raw) }
    }

    public struct AllowlistError: Error, Sendable { public var entry: String; public var message: String }

    private mutating func add(_ raw: String) throws(AllowlistError) {
        let entry = raw.trimmingWhitespace().lowercased()
        guard !entry.isEmpty else { throw AllowlistError(entry: raw, message: "empty allowlist entry") }
        entries.append(entry)
        if let slash = entry.firstIndex(of: "/") {
            guard let address = HostName.ipv4(String(entry[..<slash])), let bits = Int(entry[entry.index(after: slash)...]), (0...32).contains(bits) else {
                throw AllowlistError(entry: raw, message: "'\(raw)' is not an IPv4 CIDR block such as 10.0.0.0/8")
            }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
            blocks.append((address & mask, mask))
        } else if entry.hasPrefix("*.") {
            suffixes.append((String(entry.dropFirst(1)), false))
        } else if entry.hasPrefix(".") {
            suffixes.append((entry, true))
        } else if entry.contains("*") {
            throw AllowlistError(entry: raw, message: "'\(raw)': a wildcard is only allowed as a leading '*.'")
        } else {
            exact.insert(HostName.normalize(entry))
        }
    }

    public func allows(_ host: String) -> Bool {
        if exact.contains(host) { return true }
        if let address = HostName.ipv4(host), HostName.dotted(address) == host {
            return blocks.contains { address & $0.mask == $0.network }
        }
        return suffixes.contains { host.hasSuffix($0.suffix) || ($0.includeApex && host == String($0.suffix.dropFirst())) }
    }

    public static func == (a: NetworkAllowlist, b: NetworkAllowlist) -> Bool { a.entries == b.entries }
    public func hash(into hasher: inout Hasher) { hasher.combine(entries) }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
