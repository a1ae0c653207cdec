import AirlockCore
import ArgumentParser
import Audit
import Crypto
import Foundation

/// `airlock audit`: inspect and verify the audit trail, on a live daemon's
/// store or on a copied file. Read-only; all logic lives in `Audit`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect, export and verify the audit trail.",
        subcommands: [List.self, Show.self, Tail.self, Export.self, Verify.self, Stats.self])

    struct StoreOptions: ParsableArguments {
        @Option(help: "Audit database (default: the daemon's, \(AuditStore.defaultPath)).")
        var db: String = AuditStore.defaultPath

        func reader() throws -> AuditReader { try AuditReader(path: db) }
    }

    struct FilterOptions: ParsableArguments {
        @Option(help: "Only records at or after this time (ISO 8601).") var since: String?
        @Option(help: "Only records at or before this time (ISO 8601).") var until: String?
        @Option(help: "Actor name.") var actor: String?
        @Option(help: "Tool name.") var tool: String?
        @Option(help: "A policy rule id that took part in the decision.") var decision: String?
        @Option(help: "Decision effect: allow, deny or review.") var effect: String?
        @Option(name: .customLong("approval"), help: "Approval id.") var approvalID: String?
        @Option(name: .customLong("call"), help: "Call id.") var callID: String?
        @Option(help: "Event kind (repeatable), e.g. policy.decided.") var kind: [String] = []
        @Option(help: "Free text found anywhere in the (masked) event.") var text: String?

        func filter() throws -> AuditFilter {
            func date(_ text: String?, _ name: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = AuditTime.parse(text) else {
                    throw ValidationError("--\(name) \(text): expected an ISO 8601 date or date-time")
                }
                return date
            }
            let kinds = try kind.map { name in
                guard let kind = AuditEvent.Kind(rawValue: name) else {
                    throw ValidationError("unknown kind \(name); one of: "
                                          + AuditEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return kind
            }
            return AuditFilter(since: try date(since, "since"), until: try date(until, "until"), actor: actor, tool: tool,
                               effect: try effect.map(Self.effect), decisionRule: decision, approvalID: approvalID,
                               callID: callID, kinds: kinds, text: text)
        }

        /// A decision effect as the trail spells it (any case accepted).
        static func effect(_ text: String) throws -> String {
            let effect = text.lowercased()
            guard Decision.Effect(rawValue: effect) != nil else {
                throw ValidationError("--effect \(text): expected allow, deny or review")
            }
            return effect
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List records, newest last.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Option(help: "Show at most this many (the newest).") var limit: Int = 100
        @Flag(help: "One canonical JSON record a line instead of a table.") var json = false

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit \(limit): expected a number of records ≥ 1") }
        }

        func run() async throws {
            var filter = try filters.filter()
            filter.limit = limit
            filter.newestFirst = true
            let records = try store.reader().records(filter).reversed()
            if json { records.forEach { print($0.jsonLine) } } else { AuditTable.print(Array(records)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "The whole story of one call, in order.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The call id.") var callID: String
        @Flag(help: "One canonical JSON record a line.") var json = false

        func run() async throws {
            let story = try store.reader().story(callID: callID)
            guard !story.isEmpty else { throw AirlockError(.notFound, "no records for call \(callID)") }
            if json { story.forEach { print($0.jsonLine) } } else { story.forEach(AuditTable.printDetailed) }
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tail", abstract: "The last records; with -f, keep printing new ones.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Option(name: .short, help: "How many existing records to show first.") var n: Int = 10
        @Flag(name: .short, help: "Follow: print records as they are committed.") var follow = false
        @Flag(help: "One canonical JSON record a line.") var json = false

        func validate() throws {
            guard n >= 0 else { throw ValidationError("-n \(n): expected a number of records ≥ 0") }
        }

        func run() async throws {
            let reader = try store.reader()
            var filter = try filters.filter()
            filter.limit = n
            filter.newestFirst = true
            let recent = Array(try reader.records(filter).reversed())
            let emit: (AuditRecord) -> Void = { record in
                if json { FileHandle.standardOutput.write(Data((record.jsonLine + "\n").utf8)) }
                else { FileHandle.standardOutput.write(Data((AuditTable.line(record) + "\n").utf8)) }
            }
            if !json { FileHandle.standardOutput.write(Data((AuditTable.header + "\n").utf8)) }
            recent.forEach(emit)
            guard follow else { return }
            filter.limit = nil
            let start = try recent.last?.seq ?? reader.lastSeq()
            for try await record in reader.follow(filter, afterSeq: start) { emit(record) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export records for a SIEM: one canonical JSON record a line.",
            discussion: "Each line is {\"event\":…,\"hash\":…,\"prev_hash\":…,\"seq\":…}; remove hash, canonicalize (RFC 8785) and sha256 to recompute it.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Option(help: "Output format (jsonl).") var format: String = "jsonl"
        @Option(name: .shortAndLong, help: "Write to this file instead of stdout.") var output: String?

        func run() async throws {
            guard format == "jsonl" else { throw ValidationError("--format \(format): only jsonl is supported") }
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600])
                else { throw AirlockError(.internalError, "cannot create \(output)") }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                handle = FileHandle.standardOutput
            }
            try store.reader().exportJSONLines(try filters.filter()) { line in
                handle.write(Data((line + "\n").utf8))
            }
            if output != nil { try handle.close() }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the hash chain and check the signed checkpoints.",
            discussion: """
                Pass the daemon's exported public key with --public-key: without it, checkpoints are \
                checked against keys stored in the database itself, which whoever rewrote the file could \
                have replaced, so that only proves the file is self-consistent. With it, checkpoints must \
                also be as frequent as their signed interval says, so removed ones are found. Pass the \
                daemon's anchor file with --anchor (or a head you noted with --expect-head) to find a \
                cut-off tail or an older copy put back: the database alone can't show either. \
                Exits 1 when tampering is found.
                """)
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("public-key"), help: "Trusted checkpoint key file (PEM; repeatable).")
        var publicKeys: [String] = []
        @Option(name: .customLong("anchor"), help: "Anchor file the daemon appended its checkpoints to (repeatable).")
        var anchorFiles: [String] = []
        @Option(name: .customLong("expect-head"), help: "SEQ:HASH of a record the trail must contain (repeatable).")
        var expectedHeads: [String] = []
        @Option(name: .customLong("store-id"), help: "The store id this trail must have.")
        var storeID: String?
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let trusted = try publicKeys.isEmpty ? nil : publicKeys.map {
                try AuditKeys.publicKey(from: String(contentsOfFile: $0, encoding: .utf8))
            }
            let anchors = try anchorFiles.flatMap { try AnchorFile(path: $0).anchors() }
                + expectedHeads.map(ChainAnchor.init(expectedHead:))
            let options = VerifyOptions(trustedKeys: trusted, anchors: anchors, storeID: storeID)
            let report = try store.reader().verify(options)
            if json {
                try AuditTable.printJSON(report)
            } else {
                AuditTable.print(report)
            }
            if !report.ok { throw ExitCode(1) }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts by kind, tool, decision, actor; top denied syscalls.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: FilterOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() async throws {
            let stats = try store.reader().stats(try filters.filter())
            if json {
                try AuditTable.printJSON(stats)
            } else {
                AuditTable.print(stats)
            }
        }
    }
}

/// Human-readable rendering for `airlock audit`. Every line it prints goes
/// through `TerminalText.escape`: the trail holds text agents chose.
private enum AuditTable {
    static let widths = [7, 27, 19, 36, 14, 16]

    /// Pretty, sorted, snake_case JSON for reports meant for scripts.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static var header: String { row(["SEQ", "TIME", "KIND", "CALL", "ACTOR", "TOOL", "DETAIL"]) }

    static func print(_ records: [AuditRecord]) {
        Swift.print(header)
        for record in records { Swift.print(line(record)) }
    }

    /// Prints one line of agent-influenced text, escaped.
    private static func say(_ text: String) {
        Swift.print(TerminalText.escape(text))
    }

    static func line(_ record: AuditRecord) -> String {
        TerminalText.escape(row([String(record.seq), AuditTime.format(record.time), record.kind.rawValue, record.callID ?? "-",
             record.actor?.name ?? "-", record.tool ?? "-", detail(record)]))
    }

    static func printDetailed(_ record: AuditRecord) {
        say("#\(record.seq)  \(AuditTime.format(record.time))  \(record.kind.rawValue)  \(detail(record))")
        if let tool = record.tool { say("    tool: \(tool)") }
        if let actor = record.actor {
            say("    actor: \(actor.name) uid=\(actor.uid) pid=\(actor.pid)"
                        + (actor.onBehalfOf.map { " on_behalf_of=\($0)" } ?? "") + (actor.reason.map { " reason=\($0)" } ?? ""))
        }
        if let arguments = record.arguments { say("    arguments: \(arguments.canonicalText)") }
        for (key, value) in record.fields.sorted(by: { $0.key < $1.key }) {
            say("    \(key): \(value.canonicalText)")
        }
    }

    static func detail(_ record: AuditRecord) -> String {
        let fields = JSONValue.object(record.fields)
        if let effect = fields["decision"]?["effect"]?.stringValue {
            let rules = fields["decision"]?["rule_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return "\(effect) [\(rules.joined(separator: ","))]"
        }
        if let result = fields["result"] {
            let denied = result["denied_syscalls"]?.arrayValue?.count ?? 0
            let ending = result["exit_code"]?.intValue.map { "exit \($0)" } ?? result["termination"]?.stringValue ?? "?"
            return denied > 0 ? "\(ending), \(denied) denied syscalls" : ending
        }
        if let approval = fields["approval"]?["id"]?.stringValue { return "approval \(approval)" }
        if let jti = fields["credential"]?["jti"]?.stringValue { return "jti \(jti)" }
        if let checkpoint = fields["checkpoint"] {
            return "signed head of \(checkpoint["seq"]?.intValue ?? 0) (\(checkpoint["reason"]?.stringValue ?? "?"))"
        }
        return fields["error"]?["message"]?.stringValue ?? ""
    }

    static func print(_ report: VerificationReport) {
        say(report.ok ? "OK: chain intact" : "TAMPERED: first bad record \(report.firstBadSeq ?? 0)")
        say("  store \(report.storeID): \(report.recordsChecked) records, last seq \(report.lastSeq)")
        say("  \(report.checkpointsVerified) checkpoints verified against \(report.keySource); "
                    + "signed through seq \(report.lastVerifiedCheckpointSeq)")
        if report.anchorsChecked > 0 { say("  \(report.anchorsChecked) anchors checked") }
        if report.unsignedTail > 0 {
            say("  \(report.unsignedTail) records after the last checkpoint are chained but not yet signed")
        }
        say(report.closedCleanly ? "  closed cleanly" : "  not closed cleanly (live, or crashed)")
        for problem in report.problems { say("  seq \(problem.seq): \(problem.kind.rawValue): \(problem.message)") }
    }

    static func print(_ stats: AuditStats) {
        say("\(stats.records) records")
        section("by kind", stats.byKind)
        section("calls by tool", stats.byTool)
        section("decisions by effect", stats.byEffect)
        section("calls by actor", stats.byActor)
        section("top denied syscalls", stats.topDeniedSyscalls)
    }

    private static func section(_ title: String, _ counts: [AuditStats.Count]) {
        Swift.print()
        say("\(title):")
        if counts.isEmpty { say("  (none)") }
        for count in counts { say("  \(String(count.count).padding(toLength: 9, withPad: " ", startingAt: 0)) \(count.name)") }
    }

    private static func row(_ columns: [String]) -> String {
        var line = ""
        for (index, column) in columns.enumerated() {
            let width = index < widths.count ? widths[index] : 0
            line += column.padding(toLength: max(width, column.count), withPad: " ", startingAt: 0) + " "
        }
        return line
    }
}
