/// A program's options read the way getopt reads them: short options
/// clustered (`-fsSLo FILE`), a short option's value attached (`-xHOST:PORT`,
/// `-o/tmp/x`) or in the next word, `--long=value` or `--long value`, options
/// after operands (unless the spec stops at the first), and `--` ending them.
/// Matching whole words (`-o`) misses every other spelling, and each missed
/// spelling hides a file, a host or the command a wrapper runs.
struct ShellOptions {
    /// Which options take a value, for one program; for a complete spec,
    /// every option it has.
    struct Spec: Sendable {
        var short: Set<Character>
        var long: Set<String>
        /// The options that take no value. With them (and `attachedOnly`) a
        /// spec names every option its program has: see `isComplete`.
        var flags: Set<Character> = []
        var longFlags: Set<String> = []
        /// Short options whose value is optional and so can only be attached
        /// (`xargs -i{}`, `-l10`): alone they take none, and the next word is
        /// not theirs.
        var attachedOnly: Set<Character> = []
        /// The spec lists every option of its program. Any other option is
        /// reported in `unknown` (whether it takes the next word is anyone's
        /// guess), and a long option is read by unambiguous prefix, as
        /// getopt_long reads it (`--spl` is `--split-string`).
        var isComplete = false
        /// Options end at the first operand, as in a program that runs a
        /// command (getopt's `+`): `sudo rm -rf`'s `-rf` is rm's, not sudo's.
        var stopsAtOperand = false
        /// A dash and digits (`nice -10`, `--10`, `-+10`) is one option,
        /// not a cluster of letters.
        var numericOptions = false
    }

    struct Option {
        /// `-x` or `--proxy` (the full name, when given as a prefix of it).
        var name: String
        var value: ShellWord?
        /// The index of the first word after the option and its value.
        var end: Int = 0
    }

    private(set) var options: [Option] = []
    private(set) var operands: [ShellWord] = []
    /// Options a complete spec does not know, as written: where they end is a guess.
    private(set) var unknown: [String] = []

    init(_ args: [ShellWord], _ spec: Spec) {
        var k = 0
        var afterDashDash = false
        while k < args.count {
            let word = args[k]
            let text = word.text
            k += 1
            if afterDashDash || !text.hasPrefix("-") || text == "-" {
                if spec.stopsAtOperand { operands = Array(args[(k - 1)...]); return }
                operands.append(word)
                continue
            }
            if text == "--" {
                if spec.stopsAtOperand { operands = Array(args[k...]); return }
                afterDashDash = true
                continue
            }
            if spec.numericOptions, Self.isNumeric(text) {
                options.append(Option(name: text, value: nil, end: k))
                continue
            }
            if text.hasPrefix("--") {
                let eq = text.firstIndex(of: "=")
                let written = String(text[..<(eq ?? text.endIndex)])
                let known = Self.longName(written, spec)
                if known == nil && spec.isComplete { unknown.append(written) }
                let name = known ?? written
                if let eq {
                    options.append(Option(name: name, value: ShellWord(text: String(text[text.index(after: eq)...]), isDynamic: word.isDynamic), end: k))
                } else if spec.long.contains(name) {
                    options.append(Option(name: name, value: k < args.count ? args[k] : nil, end: min(k + 1, args.count)))
                    k += 1
                } else {
                    options.append(Option(name: name, value: nil, end: k))
                }
                continue
            }
            var rest = text.dropFirst()
            while let letter = rest.first {
                rest = rest.dropFirst()
                let name = "-" + String(letter)
                let attached = rest.isEmpty ? nil : ShellWord(text: String(rest), isDynamic: word.isDynamic)
                if spec.attachedOnly.contains(letter) {
                    options.append(Option(name: name, value: attached, end: k))
                    break
                }
                guard spec.short.contains(letter) else {
                    if spec.isComplete && !spec.flags.contains(letter) { unknown.append(name) }
                    options.append(Option(name: name, value: nil, end: k))
                    continue
                }
                if let attached {
                    options.append(Option(name: name, value: attached, end: k))
                } else {
                    options.append(Option(name: name, value: k < args.count ? args[k] : nil, end: min(k + 1, args.count)))
                    k += 1
                }
                break
            }
        }
    }

    /// The long option `written` (`--name`, without any `=value`) stands for:
    /// itself when the spec knows it, else, for a complete spec, the one
    /// option it is an unambiguous prefix of; nil when there is none.
    private static func longName(_ written: String, _ spec: Spec) -> String? {
        if spec.long.contains(written) || spec.longFlags.contains(written) { return written }
        guard spec.isComplete else { return nil }
        let candidates = spec.long.union(spec.longFlags).filter { abbreviates(written, $0) }
        return candidates.count == 1 ? candidates.first : nil
    }

    /// Whether `written` (`--recu`, or `--recu=x`) names the long option
    /// `option` (`--recursive`) the way getopt_long and git read it: the
    /// whole name or any prefix of it with at least one letter after `--`.
    /// A prefix several options share is an error for the program itself,
    /// so a rule looking for one of them may count it as that one.
    static func abbreviates(_ written: String, _ option: String) -> Bool {
        let name = written.firstIndex(of: "=").map { written[..<$0] } ?? Substring(written)
        return name.count > 2 && name.hasPrefix("--") && option.hasPrefix(name)
    }

    private static func isNumeric(_ text: String) -> Bool {
        var rest = text.dropFirst()
        if let sign = rest.first, sign == "-" || sign == "+" { rest = rest.dropFirst() }
        return !rest.isEmpty && rest.allSatisfy(\.isNumber)
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
        "--proto", "--proto-redir", "--proto-default", "--noproxy", "--url-query", "--max-redirs", "--retry-delay",
        "--retry-max-time", "--keepalive-time", "--speed-limit", "--speed-time", "--time-cond", "--request-target",
        "--ciphers", "--tls13-ciphers", "--curves", "--pinnedpubkey", "--cert-type", "--key-type", "--pass", "--crlfile",
        "--etag-save", "--etag-compare", "--hsts", "--alt-svc", "--ftp-port", "--login-options", "--sasl-authzid",
        "--service-name", "--proxy-cacert", "--proxy-cert", "--proxy-key", "--proxy-pass", "--rate", "--parallel-max",
        "--create-file-mode", "--engine", "--ipfs-gateway", "--dns-interface", "--dns-ipv4-addr", "--dns-ipv6-addr",
    ])
    static let wget = Spec(short: Set("OoaPtTUiBwQelARDIXn"), long: [
        "--output-document", "--output-file", "--append-output", "--directory-prefix", "--tries", "--timeout", "--user-agent",
        "--header", "--post-data", "--post-file", "--body-data", "--body-file", "--method", "--user", "--password", "--execute",
        "--input-file", "--base", "--wait", "--quota", "--level", "--accept", "--reject", "--domains", "--include-directories",
        "--exclude-directories", "--proxy-user", "--proxy-password", "--bind-address", "--referer", "--load-cookies",
        "--save-cookies", "--ca-certificate", "--certificate", "--private-key", "--config", "--limit-rate",
        "--max-redirect", "--cut-dirs", "--progress", "--restrict-file-names", "--dns-timeout", "--connect-timeout",
        "--read-timeout", "--waitretry", "--secure-protocol", "--http-user", "--http-password", "--default-page",
        "--accept-regex", "--reject-regex", "--exclude-domains", "--compression", "--retry-on-http-error", "--hsts-file",
    ])
    static let ssh = Spec(short: Set("BbcDEeFIiJLlmOoPpQRSWw"), long: [])
    /// rsync's own options: `-e` is the remote shell, and `-o` and `-F` take no value.
    static let rsync = Spec(short: Set("efTBM@"), long: [
        "--rsh", "--filter", "--temp-dir", "--block-size", "--remote-option", "--modify-window", "--exclude", "--include",
        "--exclude-from", "--include-from", "--files-from", "--compare-dest", "--copy-dest", "--link-dest", "--partial-dir",
        "--backup-dir", "--suffix", "--log-file", "--log-file-format", "--out-format", "--password-file", "--rsync-path",
        "--timeout", "--contimeout", "--port", "--address", "--sockopts", "--chmod", "--chown", "--usermap", "--groupmap",
        "--bwlimit", "--max-size", "--min-size", "--max-delete", "--info", "--debug", "--iconv", "--protocol",
        "--checksum-choice", "--compress-choice", "--compress-level", "--skip-compress", "--write-batch",
        "--only-write-batch", "--read-batch", "--stop-after", "--stop-at",
    ])
    static let nc = Spec(short: Set("psiwqXeciIOTWx"), long: ["--proxy", "--source", "--source-port", "--exec", "--sh-exec", "--lua-exec", "--wait"])
    static let ping = Spec(short: Set("ciWwstIlmMQS"), long: [])
    static let dig = Spec(short: Set("pbfktcxyq"), long: [])
    static let aria2c = Spec(short: Set("odsxjiUN"), long: ["--out", "--dir", "--input-file", "--all-proxy", "--http-proxy", "--https-proxy"])
    /// Git's global options, and the common subcommand options with a value.
    static let git = Spec(short: Set("Ccbo"), long: ["--git-dir", "--work-tree", "--namespace", "--config-env", "--depth", "--branch",
                                                     "--origin", "--reference", "--template", "--upload-pack", "--receive-pack", "--exec"])
    static let none = Spec(short: [], long: [])
}
