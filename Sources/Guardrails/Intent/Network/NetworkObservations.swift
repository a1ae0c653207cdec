/// Destinations seen in a call, from any extractor, before the allowlist
/// turns them into the `network` facts.
struct NetworkObservations: Sendable {
    var urls: [String] = []
    var hosts: [String] = []
    var upload = false
    /// A destination only known at run time (`curl $URL`): never assumed allowed.
    var dynamicDestination = false
    var problems: [String] = []
    var present = false
    /// `urls` and `hosts` as sets: one lookup per destination, however many a script names.
    private var seenURLs: Set<String> = []
    private var seenHosts: Set<String> = []

    mutating func addURL(_ url: String) {
        present = true
        guard seenURLs.insert(url).inserted else { return }
        urls.append(url)
        guard let candidates = NetworkAddress.hosts(ofURL: url), !candidates.isEmpty else {
            problems.append("network: cannot find the host in '\(url)'")
            return
        }
        for host in candidates { addHost(host) }
    }

    mutating func addHost(_ host: String) {
        present = true
        let normalized = HostName.normalize(host)
        if !normalized.isEmpty, seenHosts.insert(normalized).inserted { hosts.append(normalized) }
    }

    /// A URL, a host, or text that is neither (reported, never ignored).
    mutating func addDestination(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty { return }
        if NetworkAddress.isURL(trimmed) { addURL(trimmed) } else if NetworkAddress.looksLikeHost(trimmed) { addHost(NetworkAddress.host(ofBare: trimmed)) } else {
            present = true
            problems.append("network: '\(trimmed.prefix(80))' is neither a URL nor a host name")
        }
    }

    func facts(allowlist: NetworkAllowlist) -> Value {
        var unlisted = hosts.filter { !allowlist.allows($0) }
        if dynamicDestination { unlisted.append("<dynamic>") }
        return FactSchema.network.record([
            "present": .bool(present),
            "hosts": Value.strings(hosts),
            "urls": Value.strings(urls),
            "unlisted": Value.strings(unlisted),
            "egress": .bool(!hosts.isEmpty || dynamicDestination),
            "exfiltration": .bool(!unlisted.isEmpty),
            "upload": .bool(upload),
            "metadata": .bool(hosts.contains(where: HostName.metadataHosts.contains)),
            "unparsed": .bool(!problems.isEmpty),
        ])
    }
}
