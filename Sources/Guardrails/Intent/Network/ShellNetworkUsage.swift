/// Network destinations and uploads in shell invocations: URLs in any
/// argument, hosts of the network clients, `/dev/tcp/HOST/PORT`, proxies
/// set in the environment, and the options that send data out.
///
/// Options are read as getopt reads them (`ShellOptions`), so a value
/// attached to its option (`-xevil.example:8080`) or inside a cluster is
/// seen; a destination that cannot be read is dynamic, never skipped.
enum ShellNetworkUsage {
    private static let clients: Set<String> = [
        "curl", "wget", "nc", "ncat", "netcat", "telnet", "ssh", "scp", "sftp", "rsync", "ftp", "socat", "http", "https", "xh",
        "aria2c", "fetch", "ping", "ping6", "dig", "nslookup", "host", "drill", "kdig", "getent", "whois", "traceroute",
        "tracepath", "mtr", "openssl", "git", "ssh-keyscan",
    ]
    private static let alwaysBidirectional: Set<String> = ["nc", "ncat", "netcat", "telnet", "socat", "ftp"]
    private static let curlUploadOptions: Set<String> = ["-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "--data-ascii",
                                                         "-F", "--form", "--form-string", "-T", "--upload-file", "--json"]
    private static let wgetUploadOptions: Set<String> = ["--post-file", "--post-data", "--body-file", "--body-data"]
    /// Options whose value routes the request through another host.
    private static let reroutingOptions: Set<String> = [
        "-x", "--proxy", "--preproxy", "--resolve", "--connect-to", "--socks4", "--socks4a", "--socks5", "--socks5-hostname",
        "--doh-url", "--all-proxy", "--http-proxy", "--https-proxy", "-J",
    ]
    private static let optionSpecs: [String: ShellOptions.Spec] = [
        "curl": ShellOptions.curl, "xh": ShellOptions.curl, "http": ShellOptions.curl, "https": ShellOptions.curl,
        "wget": ShellOptions.wget, "aria2c": ShellOptions.aria2c,
        "ssh": ShellOptions.ssh, "scp": ShellOptions.ssh, "sftp": ShellOptions.ssh, "rsync": ShellOptions.rsync,
        "nc": ShellOptions.nc, "ncat": ShellOptions.nc, "netcat": ShellOptions.nc,
        "ping": ShellOptions.ping, "ping6": ShellOptions.ping, "dig": ShellOptions.dig, "kdig": ShellOptions.dig, "drill": ShellOptions.dig,
        "git": ShellOptions.git,
    ]

    /// Programs that only handle text: a URL in their arguments is data, not a connection.
    private static let textOnly: Set<String> = ["echo", "printf", "grep", "egrep", "fgrep", "rg", "sed", "awk", "tr", "cut", "wc",
                                                "sort", "uniq", "head", "tail", "cat", "less", "more", "test", "[", "true", "false",
                                                "jq", "base64", "md5sum", "sha256sum", "tee", "column", "fold"]

    /// Environment variables that send a program's requests through a proxy.
    static func isProxyVariable(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix("_proxy") && lower != "no_proxy"
    }

    /// Settings that replace the ssh that git or rsync runs: its options
    /// (`-o HostName=`, `-F`, `ProxyCommand`) can send it anywhere.
    static func isSSHCommandVariable(_ name: String) -> Bool {
        name.hasPrefix("GIT_SSH") || name == "RSYNC_RSH" || name == "RSYNC_CONNECT_PROG"
    }

    /// `http_proxy=http://evil:8080 curl ...`, `export HTTPS_PROXY=...`,
    /// `env ALL_PROXY=... wget ...`: the proxy is a destination of the call.
    /// An ssh command set the same way (`GIT_SSH_COMMAND=`, or
    /// `core.sshCommand` through `GIT_CONFIG_*`) makes it a dynamic one.
    static func observeEnvironment(_ assignments: [ShellWord], into network: inout NetworkObservations) {
        for word in assignments {
            guard let eq = word.text.firstIndex(of: "=") else { continue }
            let name = String(word.text[..<eq])
            let value = ShellWord(text: String(word.text[word.text.index(after: eq)...]), isDynamic: word.isDynamic)
            if isSSHCommandVariable(name) || setsSSHCommand(value.text) {
                network.present = true
                network.dynamicDestination = true
            }
            guard isProxyVariable(name) else { continue }
            if !value.text.isEmpty || value.isDynamic { addRerouting(value, into: &network) }
        }
    }

    /// Git's `core.sshCommand`, however it is set (`-c`, `--config-env`, `git config`).
    private static func setsSSHCommand(_ text: String) -> Bool {
        text.asciiLowercased().includes("core.sshcommand")
    }

    static func observe(_ inv: ShellInvocation, into network: inout NetworkObservations) {
        if textOnly.contains(inv.name) && inv.redirections.allSatisfy({ !$0.target.text.includes("/dev/tcp/") && !$0.target.text.includes("/dev/udp/") }) { return }
        inv.forEachWord { word in
            if word.text.includes("://") { addURLs(in: word.text, into: &network) }
            if let rest = word.text.after("/dev/tcp/") ?? word.text.after("/dev/udp/") {
                let host = rest.prefix { $0 != "/" }
                network.addHost(String(host))
                network.upload = true
            }
        }
        // Code handed to an interpreter on stdin (a here-document or here-string) may name URLs too.
        if ShellInterpreters.isInterpreter(inv.name) {
            for redirection in inv.redirections {
                let body = redirection.heredocBody ?? (redirection.op == "<<<" ? redirection.target.text : "")
                if body.includes("://") { addURLs(in: body, into: &network) }
            }
        }
        guard clients.contains(inv.name) else { return }
        network.present = true
        let options = ShellOptions(inv.args, optionSpecs[inv.name] ?? ShellOptions.none)
        let positional = options.operands
        for option in options.options {
            let name = option.name
            if inv.name == "curl" && curlUploadOptions.contains(name) { network.upload = true }
            if inv.name == "curl" && (name == "-X" || name == "--request"), let method = option.value, ["POST", "PUT", "PATCH"].contains(method.text.uppercased()) { network.upload = true }
            if inv.name == "wget" && wgetUploadOptions.contains(name) { network.upload = true }
            if reroutingOptions.contains(name), let value = option.value { addRerouting(value, into: &network) }
            if inv.name == "wget", name == "-e" || name == "--execute", let command = option.value {
                // `wget -e http_proxy=HOST`: a .wgetrc command.
                observeEnvironment([command], into: &network)
            }
            if ["-i", "--input-file", "-K", "--config"].contains(name) && (inv.name == "wget" || inv.name == "curl" || inv.name == "aria2c") {
                network.dynamicDestination = true   // destinations read from a file policy cannot see
            }
            if inv.name == "curl", name == "--url", let value = option.value { addDestinationOperand(value, into: &network) }
            if reconfiguresSSH(inv.name, option) {
                // `-o HostName=`, `ProxyJump=`, `ProxyCommand=`, a config file, another remote shell: another way out.
                network.dynamicDestination = true
            }
        }
        if inv.name == "git", inv.args.contains(where: { setsSSHCommand($0.text) }) { network.dynamicDestination = true }
        if alwaysBidirectional.contains(inv.name) { network.upload = true }
        switch inv.name {
        case "nc", "ncat", "netcat", "telnet", "ssh", "ping", "ping6", "ftp", "sftp", "whois", "traceroute", "tracepath", "mtr", "ssh-keyscan":
            if let first = positional.first { addBare(first, into: &network) }
        case "dig", "kdig", "drill", "nslookup", "host":
            // Every name looked up leaks through DNS; `dig @server name` contacts the server too.
            for operand in positional {
                if operand.text.hasPrefix("@") {
                    addBare(ShellWord(text: String(operand.text.dropFirst()), isDynamic: operand.isDynamic), into: &network)
                } else if operand.isDynamic || NetworkAddress.looksLikeHost(operand.text) {
                    addBare(operand, into: &network)
                }
            }
        case "getent":
            // `getent hosts NAME` resolves NAME through DNS: a lookup leaks the name.
            if let database = positional.first?.text, database.hasPrefix("ahosts") || database == "hosts" {
                for name in positional.dropFirst() { addBare(name, into: &network) }
            }
        case "scp", "rsync":
            // Remote operands are HOST:PATH; a remote destination (the last operand) is an upload.
            for (index, operand) in positional.enumerated() where isRemoteOperand(operand.text) {
                addBare(operand, into: &network)
                if index == positional.count - 1 { network.upload = true }
            }
        case "socat":
            for operand in positional { observeSocatAddress(operand, into: &network) }
        case "openssl":
            observeOpenSSL(inv.args, into: &network)
        case "git":
            observeGit(positional, into: &network)
        case "curl", "wget", "aria2c", "fetch":
            // Every operand is a destination (URLs with `://` were taken above).
            for operand in positional where !operand.text.includes("://") { addDestinationOperand(operand, into: &network) }
        default:
            for operand in positional where !operand.text.includes("://") {
                if operand.isDynamic { network.dynamicDestination = true } else if NetworkAddress.isURL(operand.text) { network.addURL(operand.text) } else if NetworkAddress.looksLikeHost(operand.text) { addBare(operand, into: &network) }
            }
        }
    }

    /// An ssh option that can change where ssh connects, for the ssh
    /// clients and for rsync's remote shell (`-e`, `--rsh`): any `-o`
    /// (`HostName=`, `ProxyJump=`, `ProxyCommand=`), a config file (`-F`),
    /// a program run in ssh's place (`scp -S`). `rsync -e ssh` is the default.
    private static func reconfiguresSSH(_ program: String, _ option: ShellOptions.Option) -> Bool {
        switch program {
        case "ssh", "scp", "sftp": return ["-o", "-F"].contains(option.name) || (program != "ssh" && option.name == "-S")
        case "rsync": return ["-e", "--rsh"].contains(option.name) && option.value.map { $0.isDynamic || $0.text.trimmingWhitespace() != "ssh" } ?? true
        default: return false
        }
    }

    /// An operand of a client that takes only destinations (curl, wget): a
    /// URL (`http:/host` too), a host (`evil。example` too), or a problem.
    private static func addDestinationOperand(_ word: ShellWord, into network: inout NetworkObservations) {
        if word.isDynamic { network.dynamicDestination = true } else { network.addDestination(word.text) }
    }

    private static func addURLs(in text: String, into network: inout NetworkObservations) {
        for piece in text.split(whereSeparator: { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\n" || $0 == "(" || $0 == ")" }) where String(piece).includes("://") {
            network.addURL(String(piece))
        }
    }

    /// socat address types that stay on this machine: the standard
    /// streams, files, programs, terminals, local sockets, and servers
    /// (`*-LISTEN`, `*-RECV*`). Every other type connects out: `TCP:host:port`,
    /// `OPENSSL:…`, `IP-SENDTO:…`, `UDP-DATAGRAM:…`, and types added later.
    private static let socatLocalTypes: Set<String> = [
        "STDIO", "STDIN", "STDOUT", "STDERR", "OPEN", "FILE", "GOPEN", "CREATE", "CREAT", "EXEC", "SYSTEM", "SHELL",
        "PIPE", "PTY", "READLINE", "FD", "TUN",
    ]

    /// A socat operand is one address, or two joined by `!!` (read from the
    /// first, write to the second). Of a connecting address, the host is a
    /// destination; for `SOCKS4:proxy:host:port` and `PROXY:proxy:host:port`
    /// the proxy and the host both are.
    private static func observeSocatAddress(_ operand: ShellWord, into network: inout NetworkObservations) {
        for address in socatAddresses(operand.text) {
            let head = address.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? String(address)
            let parts = head.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            let kind = parts[0].uppercased()
            // Without a colon: `-`, a keyword, a file descriptor or a path, none of them remote.
            guard parts.count >= 2 else {
                if operand.isDynamic { network.dynamicDestination = true }
                continue
            }
            if socatLocalTypes.contains(kind) || kind.hasPrefix("UNIX") || kind.hasPrefix("ABSTRACT") || kind.contains("LISTEN") || kind.contains("RECV") { continue }
            if operand.isDynamic { network.dynamicDestination = true; continue }
            let hosts = (kind.hasPrefix("SOCKS") || kind.hasPrefix("PROXY") ? parts.dropFirst().prefix(2) : parts.dropFirst().prefix(1)).filter { !$0.isEmpty }
            if hosts.isEmpty { network.problems.append("network: socat address '\(address.prefix(80))' names no host") }
            for host in hosts { network.addHost(NetworkAddress.host(ofBare: host)) }
        }
    }

    /// `ADDRESS1!!ADDRESS2`, split.
    private static func socatAddresses(_ text: String) -> [Substring] {
        var addresses: [Substring] = []
        var rest = Substring(text)
        while let offset = String(rest).byteOffset(of: "!!") {
            let end = rest.utf8.index(rest.startIndex, offsetBy: offset)
            addresses.append(rest[..<end])
            rest = rest[rest.utf8.index(end, offsetBy: 2)...]
        }
        return addresses + [rest]
    }

    /// `openssl s_client -connect host:port`, `-host host`, `-proxy host:port`, or a bare
    /// `host:port` (newer versions): a TLS connection that carries stdin out.
    private static func observeOpenSSL(_ args: [ShellWord], into network: inout NetworkObservations) {
        guard let command = args.first?.text, ["s_client", "s_time"].contains(command) else { return }
        network.upload = true
        for k in args.indices.dropFirst() {
            let previous = args[k - 1].text
            if ["-connect", "-proxy", "-host"].contains(previous) {
                addBare(args[k], into: &network)
            } else if !args[k].text.hasPrefix("-"), !previous.hasPrefix("-") || k == 1, args[k].text.contains(":") {
                addBare(args[k], into: &network)
            }
        }
    }

    /// Git commands that reach a remote, with a URL or an scp-like
    /// `user@host:path` repository. Named remotes (`origin`) are configured
    /// elsewhere and are not seen here; for push, pull and fetch only the
    /// repository is read, since the refspecs after it look scp-like too.
    private static func observeGit(_ operands: [ShellWord], into network: inout NetworkObservations) {
        guard let command = operands.first?.text else { return }
        let candidates: ArraySlice<ShellWord>
        switch command {
        case "push", "pull", "fetch", "request-pull": candidates = operands.dropFirst().prefix(1)
        case "clone", "ls-remote", "archive", "remote", "submodule": candidates = operands.dropFirst()
        default: return
        }
        if command == "push" { network.upload = true }
        for operand in candidates where !operand.text.includes("://") && isRemoteOperand(operand.text) {
            addBare(operand, into: &network)
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

    /// `host:path`, `user@host:path`: not a local path, and no `/` before the colon.
    private static func isRemoteOperand(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), !text.hasPrefix("/"), !text.hasPrefix("."), colon != text.startIndex else { return false }
        return !text[..<colon].contains("/")
    }
}
