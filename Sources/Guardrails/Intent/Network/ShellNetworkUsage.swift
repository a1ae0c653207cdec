/// Network destinations and uploads in shell invocations: URLs in any
/// argument, hosts of the network clients, `/dev/tcp/HOST/PORT`, and the
/// options that send data out.
enum ShellNetworkUsage {
    private static let clients: Set<String> = ["curl", "wget", "nc", "ncat", "netcat", "telnet", "ssh", "scp", "sftp", "rsync",
                                               "ftp", "socat", "http", "https", "xh", "aria2c", "fetch", "ping", "dig", "nslookup", "host"]
    private static let alwaysBidirectional: Set<String> = ["nc", "ncat", "netcat", "telnet", "socat", "ftp"]
    private static let curlUploadOptions: Set<String> = ["-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii",
                                                         "-F", "--form", "--form-string", "-T", "--upload-file", "--json"]
    private static let wgetUploadOptions = ["--post-file", "--post-data", "--body-file", "--body-data"]
    /// Options that take a value, per client, so the value is not taken for a destination.
    private static let optionsWithValue: [String: Set<String>] = [
        "curl": ["-o", "-H", "-A", "-u", "-X", "-e", "-b", "-c", "-m", "-w", "-T", "-d", "-F", "-E", "-K", "-r", "-y", "-Y", "-z",
                 "--output", "--header", "--user-agent", "--user", "--request", "--referer", "--cookie", "--cookie-jar",
                 "--max-time", "--write-out", "--connect-timeout", "--data", "--data-binary", "--data-raw", "--data-urlencode",
                 "--data-ascii", "--form", "--form-string", "--upload-file", "--json", "--cert", "--key", "--cacert", "--retry",
                 "--config", "--range", "--limit-rate"],
        "wget": ["-O", "-o", "-a", "-P", "-t", "-T", "-U", "-i", "-B", "-w", "-Q", "--output-document", "--output-file",
                 "--directory-prefix", "--tries", "--timeout", "--user-agent", "--header", "--post-data", "--post-file",
                 "--body-data", "--body-file", "--method", "--user", "--password"],
        "ssh": ["-p", "-P", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-W", "-b", "-c", "-E", "-e", "-m", "-O", "-Q", "-S", "-w", "-B"],
        "ping": ["-c", "-i", "-W", "-w", "-s", "-t", "-I", "-l", "-m", "-M", "-Q", "-S"],
        "dig": ["-p", "-b", "-f", "-k", "-t", "-c", "-x", "-y", "-q"],
        "nc": ["-p", "-s", "-w", "-i", "-q", "-X", "-e", "-c", "-I", "-O", "-T", "-W"],
    ]
    private static let optionFamily = ["scp": "ssh", "sftp": "ssh", "rsync": "ssh", "ncat": "nc", "netcat": "nc", "xh": "curl", "http": "curl", "https": "curl"]
    /// Options whose value routes the request through another host.
    private static let reroutingOptions: Set<String> = ["-x", "--proxy", "--resolve", "--connect-to", "--preproxy", "-J"]

    /// Programs that only handle text: a URL in their arguments is data, not a connection.
    private static let textOnly: Set<String> = ["echo", "printf", "grep", "egrep", "fgrep", "rg", "sed", "awk", "tr", "cut", "wc",
                                                "sort", "uniq", "head", "tail", "cat", "less", "more", "test", "[", "true", "false",
                                                "jq", "base64", "md5sum", "sha256sum", "tee", "column", "fold"]

    static func observe(_ inv: ShellInvocation, into network: inout NetworkObservations) {
        if textOnly.contains(inv.name) && inv.redirections.allSatisfy({ !$0.target.text.includes("/dev/tcp/") && !$0.target.text.includes("/dev/udp/") }) { return }
        inv.forEachWord { word in
            if word.text.includes("://") {
                for piece in word.text.split(whereSeparator: { $0 == " " || $0 == "\"" || $0 == "'" }) where String(piece).includes("://") {
                    network.addURL(String(piece))
                }
            }
            if let rest = word.text.after("/dev/tcp/") ?? word.text.after("/dev/udp/") {
                let host = rest.prefix { $0 != "/" }
                network.addHost(String(host))
                network.upload = true
            }
        }
        guard clients.contains(inv.name) else { return }
        network.present = true
        let withValue = optionsWithValue[optionFamily[inv.name] ?? inv.name] ?? []
        var k = 0
        var positional: [ShellWord] = []
        while k < inv.args.count {
            let arg = inv.args[k]
            let text = arg.text
            if text.hasPrefix("-") {
                if inv.name == "curl" && (curlUploadOptions.contains(text) || curlUploadOptions.contains(where: { text.hasPrefix($0 + "=") })) { network.upload = true }
                if inv.name == "curl" && (text == "-X" || text == "--request"), k + 1 < inv.args.count, ["POST", "PUT", "PATCH"].contains(inv.args[k + 1].text.uppercased()) { network.upload = true }
                if inv.name == "wget" && wgetUploadOptions.contains(where: { text.hasPrefix($0) }) { network.upload = true }
                if reroutingOptions.contains(text), k + 1 < inv.args.count { addRerouting(inv.args[k + 1], into: &network) }
                if ["-i", "--input-file", "-K", "--config"].contains(text) && (inv.name == "wget" || inv.name == "curl") {
                    network.dynamicDestination = true   // destinations read from a file policy cannot see
                }
                k += (withValue.contains(text) || reroutingOptions.contains(text)) && !text.contains("=") ? 2 : 1
                continue
            }
            positional.append(arg)
            k += 1
        }
        if alwaysBidirectional.contains(inv.name) { network.upload = true }
        switch inv.name {
        case "nc", "ncat", "netcat", "telnet", "ssh", "ping", "dig", "nslookup", "host", "ftp", "sftp":
            if let first = positional.first { addBare(first, into: &network) }
        case "scp", "rsync":
            // Remote operands are HOST:PATH; a remote destination (the last operand) is an upload.
            for (index, operand) in positional.enumerated() where isRemoteOperand(operand.text) {
                addBare(operand, into: &network)
                if index == positional.count - 1 { network.upload = true }
            }
        case "socat":
            for operand in positional {
                let parts = operand.text.split(separator: ":")
                if parts.count >= 3, parts[0].uppercased().hasPrefix("TCP") || parts[0].uppercased().hasPrefix("UDP") || parts[0].uppercased().hasPrefix("OPENSSL") {
                    network.addHost(String(parts[1]))
                }
            }
        default:
            for operand in positional where !operand.text.includes("://") {
                if operand.isDynamic { network.dynamicDestination = true } else if NetworkAddress.looksLikeHost(operand.text) { addBare(operand, into: &network) }
            }
        }
    }

    /// `--resolve name:port:addr`, `--connect-to`, `-x proxy`: the real destination.
    private static func addRerouting(_ word: ShellWord, into network: inout NetworkObservations) {
        if word.isDynamic { network.dynamicDestination = true; return }
        if word.text.includes("://") { network.addURL(word.text); return }
        let parts = word.text.split(separator: ":", omittingEmptySubsequences: true)
        if parts.count >= 3 { network.addHost(String(parts[2])) } else if let first = parts.first { network.addHost(NetworkAddress.host(ofBare: String(first))) }
    }

    private static func addBare(_ word: ShellWord, into network: inout NetworkObservations) {
        if word.isDynamic { network.dynamicDestination = true; return }
        network.addHost(NetworkAddress.host(ofBare: word.text.split(separator: ":").first.map(String.init) ?? word.text))
    }

    private static func isRemoteOperand(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), !text.hasPrefix("/"), !text.hasPrefix(".") else { return false }
        return !text[..<colon].contains("/")
    }
}
