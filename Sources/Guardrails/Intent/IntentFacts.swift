import AirlockCore

/// Every fact about one call, as the root variables of the condition
/// language (see `FactSchema`). Built once per decision.
struct IntentFacts: Sendable {
    /// Root values in `FactSchema.roots` order.
    var roots: [Value]
    var unparsedReasons: [String]

    /// Argument names read as network destinations on any tool, even
    /// without a catalog binding, because a URL is a URL wherever it appears.
    static let networkArgumentNames: Set<String> = ["url", "uri", "host", "hostname", "endpoint", "urls", "hosts"]

    /// Which costly per-item fact lists to build; a policy asks only for
    /// those its conditions read (see `Policy.detail`).
    struct Detail: Sendable, Hashable {
        var sqlStatements = true
        var shellCommands = true

        static let full = Detail()

        init(sqlStatements: Bool = true, shellCommands: Bool = true) {
            self.sqlStatements = sqlStatements
            self.shellCommands = shellCommands
        }

        /// What conditions reading `paths` need.
        init(reading paths: some Sequence<String>) {
            let paths = Array(paths)
            sqlStatements = paths.contains { $0 == "sql" || $0.hasPrefix("sql.statements") }
            shellCommands = paths.contains { $0 == "shell" || $0.hasPrefix("shell.commands") }
        }
    }

    static func extract(_ request: PolicyRequest, allowlist: NetworkAllowlist, detail: Detail = .full) -> IntentFacts {
        var sql = SQLExtractor.absent
        var shell = ShellExtractor.absent
        var network = NetworkObservations()
        var reasons: [String] = []
        var sqlTexts: [String] = [], shellTexts: [String] = []

        for binding in request.intent {
            guard let argument = request.arguments[binding.argument] else { continue }
            guard case .string(let text) = argument else {
                if binding.extractor == .network, case .array(let items) = argument, items.allSatisfy({ $0.stringValue != nil }) {
                    items.forEach { network.addDestination($0.stringValue!) }
                    continue
                }
                reasons.append("\(binding.extractor.rawValue): argument '\(binding.argument)' is a \(argument.typeName), not a string")
                continue
            }
            switch binding.extractor {
            case .sql: sqlTexts.append(text)
            case .shell: shellTexts.append(text)
            case .network: network.addDestination(text)
            }
        }
        for (name, value) in request.arguments where networkArgumentNames.contains(name.lowercased()) {
            if !request.intent.contains(where: { $0.extractor == .network && $0.argument == name }) {
                switch value {
                case .string(let s): network.addDestination(s)
                case .array(let items): items.compactMap(\.stringValue).forEach { network.addDestination($0) }
                default: break
                }
            }
        }
        // One budget for the whole decision, whichever extractors spend it.
        let budget = WorkBudget()
        if !sqlTexts.isEmpty {
            let extracted = SQLExtractor.facts(sqlTexts.joined(separator: ";\n"), withStatements: detail.sqlStatements, budget: budget)
            sql = extracted.facts
            reasons += extracted.problems
        }
        if !shellTexts.isEmpty {
            let extracted = ShellExtractor.facts(shellTexts.joined(separator: "\n"), network: &network, withCommands: detail.shellCommands, budget: budget)
            shell = extracted.facts
            reasons += extracted.problems
        }
        reasons += network.problems
        let actor = request.actor
        let roots: [Value] = [
            .string(request.tool),
            FactSchema.actor.record(["name": .string(actor.name), "roles": Value.strings(actor.roles), "uid": .int(Int64(actor.uid)), "owner": .string(actor.owner ?? "")]),
            FactSchema.claims.record(["onBehalfOf": .string(request.claims.onBehalfOf ?? ""), "reason": .string(request.claims.reason ?? "")]),
            .map(request.arguments.mapValues(Value.init)),
            .bool(!reasons.isEmpty),
            Value.strings(reasons),
            sql,
            shell,
            network.facts(allowlist: allowlist),
        ]
        return IntentFacts(roots: roots, unparsedReasons: reasons)
    }

    var unparsed: Bool { !unparsedReasons.isEmpty }

    /// The extractors that reported the unparsed reasons ("sql", "shell",
    /// "network"): every reason starts with its extractor's name and a colon.
    var unparsedSources: Set<String> {
        Set(unparsedReasons.map { reason in String(reason.prefix { $0 != ":" }) })
    }

    /// The value at a dotted path such as "sql.unboundedWrite".
    func value(at path: String) -> Value? {
        let parts = path.split(separator: ".").map(String.init)
        guard let first = parts.first, let slot = FactSchema.slot(of: first) else { return nil }
        var value = roots[slot]
        for part in parts.dropFirst() {
            guard let next = value.member(part) else { return nil }
            value = next
        }
        return value
    }

    /// All facts as JSON (for `airlock policy eval`).
    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (i, root) in FactSchema.roots.enumerated() { out[root.name] = roots[i].json }
        return out
    }
}
