/// Where the code an interpreter runs comes from, followed through one
/// call's invocations in order: down pipes (into groups, nested scripts and
/// `>(...)`), and into files written earlier in the same call.
///
/// Code from the network, however it travels — `curl | (true; sh)`,
/// `curl | tee >(sh)`, `curl -fsSLo /tmp/i.sh URL && bash /tmp/i.sh`,
/// `wget -P /tmp URL; sh /tmp/x.sh` — is download-and-execute. Code from a
/// file the call itself wrote (`printf ... > a.sh; sh a.sh`) or from any
/// other pipe is only known at run time: a dynamic command.
struct ShellDataFlow {
    enum Origin {
        /// Written by the call from data it did not download.
        case written
        /// Downloaded, or written from downloaded data.
        case downloaded
    }

    /// For each pipeline, the earliest stage whose output carries downloaded data.
    private var firstDownloadStage: [Int: Int] = [:]
    /// Files the call wrote, by the path an interpreter would name them with.
    private var files: [String: Origin] = [:]

    /// Whether `inv` reads downloaded data on its standard input.
    func stdinDownloaded(_ inv: ShellInvocation) -> Bool {
        if inv.stdinDownload { return true }
        if let source = inv.stdinSource, let first = firstDownloadStage[source.pipeline], first < source.stage { return true }
        return inv.redirections.contains { $0.op == "<" && origin(of: $0.target.text) == .downloaded }
    }

    /// The origin of the file at `path`, if the call wrote it.
    func origin(of path: String) -> Origin? {
        guard !files.isEmpty else { return nil }
        for key in Self.keys(path) { if let origin = files[key] { return origin } }
        return nil
    }

    /// Records what `inv` passes on: downloaded data down its pipe, and the
    /// files it writes. `resolve` turns a path into the one later commands
    /// would use (the working directory applied).
    mutating func observe(_ inv: ShellInvocation, resolve: (ShellWord) -> String) {
        let isDownloader = ShellCommandResolver.downloaders.contains(inv.name) || ShellDataFlow.socketClients.contains(inv.name)
        let carries = isDownloader || stdinDownloaded(inv)
        if carries {
            for position in inv.memberships {
                firstDownloadStage[position.pipeline] = min(firstDownloadStage[position.pipeline] ?? Int.max, position.stage)
            }
        }
        let origin: Origin = carries ? .downloaded : .written
        for path in Self.writtenFiles(inv) { record(resolve(path), origin) }
        if isDownloader {
            for path in Self.downloadedFiles(inv) { record(resolve(path), .downloaded) }
        }
        // cp and mv carry the origin of what they copy.
        if inv.program == .cp || inv.program == .mv || inv.program == .install {
            let operands = ShellCommandRules.operands(inv.args)
            if operands.count >= 2 {
                let sources = operands.dropLast()
                let copied: Origin = sources.contains { self.origin(of: resolve($0)) == .downloaded } ? .downloaded : .written
                let destination = resolve(operands.last!)
                record(destination, copied)
                for source in sources { record(destination + "/" + ShellCommandResolver.basename(source.text), copied) }
            }
        }
    }

    /// Device and process files (`/dev/null`, the `/dev/fd/63` of a process
    /// substitution) are not files a later command runs, so they are not kept.
    private mutating func record(_ path: String, _ origin: Origin) {
        guard !path.hasPrefix("/dev/"), !path.hasPrefix("/proc/") else { return }
        for key in Self.keys(path) where files[key] != .downloaded { files[key] = origin }
    }

    /// A path and its spellings without a leading `./`.
    private static func keys(_ path: String) -> [String] {
        let normalized = ShellPaths.normalize(path)
        let bare = normalized.hasPrefix("./") ? String(normalized.dropFirst(2)) : normalized
        return bare == normalized ? [normalized] : [normalized, bare]
    }

    static let socketClients: Set<String> = ["nc", "ncat", "netcat", "socat"]

    /// Files written through redirections and `tee`.
    private static func writtenFiles(_ inv: ShellInvocation) -> [ShellWord] {
        var paths = inv.redirections.filter(\.writesFile).map(\.target)
        if inv.program == .tee || inv.program == .dd { paths += ShellCommandRules.writtenPaths(inv) }
        return paths
    }

    /// The files a downloader saves: `curl -o F`, `-O` (named after the URL,
    /// in `--output-dir`), `wget` (named after the URL unless `-O`, in `-P`),
    /// `aria2c -o F -d DIR`.
    private static func downloadedFiles(_ inv: ShellInvocation) -> [ShellWord] {
        var urls = inv.args.filter { $0.text.includes("://") }
        /// Operands that name a source without `://` (`http:/host/x.sh`,
        /// `host/x.sh`), read as the network facts read them.
        func addSources(_ options: ShellOptions, extra: [ShellWord] = []) {
            urls += (options.operands + extra).filter {
                !$0.text.includes("://") && (NetworkAddress.isURL($0.text) || NetworkAddress.looksLikeHost($0.text))
            }
        }
        func named(after urls: [ShellWord], in directory: ShellWord?) -> [ShellWord] {
            urls.map { url in
                let last = url.text.split(separator: "/").last.map(String.init) ?? "index.html"
                let name = last.split(separator: "?").first.map(String.init) ?? last
                return ShellWord(text: directory.map { $0.text + "/" + name } ?? name, isDynamic: url.isDynamic)
            }
        }
        switch inv.name {
        case "curl":
            let options = ShellOptions(inv.args, ShellOptions.curl)
            addSources(options, extra: options.values(of: ["--url"]))
            let directory = options.values(of: ["--output-dir"]).last
            var files = options.values(of: ["-o", "--output"]).filter { $0.text != "-" }.map { file in
                directory.map { ShellWord(text: $0.text + "/" + file.text, isDynamic: file.isDynamic) } ?? file
            }
            if options.has(["-O", "--remote-name", "--remote-name-all"]) { files += named(after: urls, in: directory) }
            return files
        case "wget":
            let options = ShellOptions(inv.args, ShellOptions.wget)
            addSources(options)
            let documents = options.values(of: ["-O", "--output-document"])
            if !documents.isEmpty { return documents.filter { $0.text != "-" } }
            return named(after: urls, in: options.values(of: ["-P", "--directory-prefix"]).last)
        case "aria2c":
            let options = ShellOptions(inv.args, ShellOptions.aria2c)
            addSources(options)
            let directory = options.values(of: ["-d", "--dir"]).last
            let outputs = options.values(of: ["-o", "--out"])
            return outputs.isEmpty ? named(after: urls, in: directory) : outputs.map { file in
                directory.map { ShellWord(text: $0.text + "/" + file.text, isDynamic: file.isDynamic) } ?? file
            }
        default:
            return ShellOptions(inv.args, ShellOptions.curl).values(of: ["-o", "--output"]).filter { $0.text != "-" }
        }
    }
}
