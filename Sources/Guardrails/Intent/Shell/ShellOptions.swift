/// A program's options read the way getopt reads them: short options
/// clustered (`-fsSLo FILE`), a short option's value attached (`-xHOST:PORT`,
/// `-o/tmp/x`) or in the next word, `--long=value` or `--long value`, options
/// after operands, and `--` ending them. Matching whole words (`-o`) misses
/// every other spelling, and each missed spelling hides a file or a host.
struct ShellOptions {
    /// Which options take a value, for one program.
    struct Spec: Sendable {
        var short: Set<Character>
        var long: Set<String>
    }

    struct Option {
        /// `-x` or `--proxy`.
        var name: String
        var value: ShellWord?
    }

    private(set) var options: [Option] = []
    private(set) var operands: [ShellWord] = []

    init(_ args: [ShellWord], _ spec: Spec) {
        var k = 0
        var afterDashDash = false
        while k < args.count {
            let word = args[k]
            let text = word.text
            k += 1
            if afterDashDash || !text.hasPrefix("-") || text == "-" {
                operands.append(word)
                continue
            }
            if text == "--" { afterDashDash = true; continue }
            if text.hasPrefix("--") {
                if let eq = text.firstIndex(of: "=") {
                    options.append(Option(name: String(text[..<eq]), value: ShellWord(text: String(text[text.index(after: eq)...]), isDynamic: word.isDynamic)))
                } else if spec.long.contains(text) {
                    options.append(Option(name: text, value: k < args.count ? args[k] : nil))
                    k += 1
                } else {
                    options.append(Option(name: text, value: nil))
                }
                continue
            }
            var rest = text.dropFirst()
            while let letter = rest.first {
                rest = rest.dropFirst()
                let name = "-" + String(letter)
                guard spec.short.contains(letter) else { options.append(Option(name: name, value: nil)); continue }
                if !rest.isEmpty {
                    options.append(Option(name: name, value: ShellWord(text: String(rest), isDynamic: word.isDynamic)))
                } else {
                    options.append(Option(name: name, value: k < args.count ? args[k] : nil))
                    k += 1
                }
                break
            }
        }
    }

    /// The values given to any of `names`.
    func values(of names: Set<String>) -> [ShellWord] {
        options.compactMap { names.contains($0.name) ? $0.value : nil }
    }

    func has(_ names: Set<String>) -> Bool { options.contains { names.contains($0.name) } }

    // MARK: The network clients' options that take a value

    static let curl = Spec(short: Set("AbcCdDeEFHKmoPQrtTuUwxXyYz"), long: [
        "--output", "--output-dir", "--header", "--user-agent", "--user", "--request", "--referer", "--cookie", "--cookie-jar",
        "--max-time", "--write-out", "--connect-timeout", "--data", "--data-binary", "--data-raw", "--data-urlencode",
        "--data-ascii", "--form", "--form-string", "--upload-file", "--json", "--cert", "--key", "--cacert", "--capath",
        "--retry", "--config", "--range", "--limit-rate", "--proxy", "--preproxy", "--proxy-user", "--resolve", "--connect-to",
        "--socks4", "--socks4a", "--socks5", "--socks5-hostname", "--url", "--doh-url", "--dns-servers", "--interface",
        "--unix-socket", "--abstract-unix-socket", "--netrc-file", "--dump-header", "--trace", "--trace-ascii", "--stderr",
        "--continue-at", "--quote", "--oauth2-bearer", "--aws-sigv4", "--variable", "--proxy-header", "--local-port",
        "--max-filesize", "--mail-from", "--mail-rcpt", "--upload-flags", "--expect100-timeout", "--happy-eyeballs-timeout-ms",
    ])
    static let wget = Spec(short: Set("OoaPtTUiBwQelARDIXn"), long: [
        "--output-document", "--output-file", "--append-output", "--directory-prefix", "--tries", "--timeout", "--user-agent",
        "--header", "--post-data", "--post-file", "--body-data", "--body-file", "--method", "--user", "--password", "--execute",
        "--input-file", "--base", "--wait", "--quota", "--level", "--accept", "--reject", "--domains", "--include-directories",
        "--exclude-directories", "--proxy-user", "--proxy-password", "--bind-address", "--referer", "--load-cookies",
        "--save-cookies", "--ca-certificate", "--certificate", "--private-key", "--config", "--limit-rate",
    ])
    static let ssh = Spec(short: Set("BbcDEeFIiJLlmOoPpQRSWw"), long: [])
    static let nc = Spec(short: Set("psiwqXeciIOTWx"), long: ["--proxy", "--source", "--source-port", "--exec", "--sh-exec", "--lua-exec", "--wait"])
    static let ping = Spec(short: Set("ciWwstIlmMQS"), long: [])
    static let dig = Spec(short: Set("pbfktcxyq"), long: [])
    static let aria2c = Spec(short: Set("odsxjiUN"), long: ["--out", "--dir", "--input-file", "--all-proxy", "--http-proxy", "--https-proxy"])
    /// Git's global options, and the common subcommand options with a value.
    static let git = Spec(short: Set("Ccbo"), long: ["--git-dir", "--work-tree", "--namespace", "--config-env", "--depth", "--branch",
                                                     "--origin", "--reference", "--template", "--upload-pack", "--receive-pack", "--exec"])
    static let none = Spec(short: [], long: [])
}
