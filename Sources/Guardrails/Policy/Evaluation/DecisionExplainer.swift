import AirlockCore

/// Turns matched rules into a `Decision` whose reasons an agent can act on:
/// which rule, why (the facts it saw), and what would have been allowed.
struct DecisionExplainer {
    static let defaultDenyID = "builtin:default-deny"
    static let unparsedID = "builtin:unparsed-input"

    let policy: Policy
    let request: PolicyRequest
    let facts: IntentFacts
    let matched: RuleMatches

    func decision() -> Decision {
        let allIDs = matched.forbids.map(\.rule.id) + matched.reviews.map(\.rule.id) + matched.permits.map(\.id)
        if !matched.forbids.isEmpty {
            let rules = matched.forbids.map(\.rule)
            return Decision(effect: .deny, ruleIDs: allIDs,
                            reasons: matched.forbids.map { reason(for: $0.rule, error: $0.error, verb: "forbidden") },
                            facts: factsMattering(rules), policyRevision: policy.revision)
        }
        if !matched.reviews.isEmpty {
            let rules = matched.reviews.map(\.rule)
            let reasons = matched.reviews.map { reason(for: $0.rule, error: $0.error, verb: "needs approval") }
            // Review is "permit once approved": it holds a call some permit
            // allows. Without one, approving would let through a call the
            // policy never permits, so it stays a default deny.
            guard !matched.permits.isEmpty else {
                return defaultDeny(pendingReviews: matched.reviews.map { reason(for: $0.rule, error: $0.error, verb: "would also need approval") })
            }
            return Decision(effect: .review, ruleIDs: allIDs, reasons: reasons, facts: factsMattering(rules),
                            policyRevision: policy.revision, review: requirement(rules, reasons: reasons))
        }
        if !matched.permits.isEmpty {
            let sources = facts.unparsedSources
            if facts.unparsed && !matched.permits.contains(where: { $0.considersUnparsed(from: sources) }) {
                let reason = "Input could not be fully parsed (\(facts.unparsedReasons.joined(separator: "; "))), and no permit rule "
                    + "for '\(request.tool)' accepts unparsed input (\(matched.permits.map(\.id).joined(separator: ", ")) would otherwise allow it). "
                    + "Rewrite the call in a plainer form."
                return Decision(effect: .deny, ruleIDs: [Self.unparsedID] + allIDs, reasons: [reason],
                                facts: factsMattering(matched.permits), policyRevision: policy.revision)
            }
            return Decision(effect: .allow, ruleIDs: allIDs, reasons: matched.permits.map { "Permitted by rule '\($0.id)': \($0.reason)" },
                            facts: factsMattering(matched.permits), policyRevision: policy.revision)
        }
        return defaultDeny()
    }

    /// "Forbidden by rule 'x': <admin's reason> (saw sql.drops = true)".
    private func reason(for rule: PolicyRule, error: String?, verb: String) -> String {
        var text = "\(verb.prefix(1).uppercased() + verb.dropFirst()) by rule '\(rule.id)': \(rule.reason)"
        let evidence = (rule.compiled?.referencedPaths ?? []).compactMap { path -> String? in
            guard let value = facts.value(at: path), isTelling(value) else { return nil }
            return "\(path) = \(shortText(value))"
        }
        if !evidence.isEmpty { text += " (saw \(evidence.prefix(4).joined(separator: ", ")))" }
        if let error { text += " [condition could not be evaluated: \(error); treated as a match]" }
        return text
    }

    /// No permit matched: say so, and show what the permits for this tool
    /// require. `pendingReviews` are the reasons of review rules that matched
    /// anyway: listed, so the agent sees every concern, but never approvable.
    private func defaultDeny(pendingReviews: [String] = []) -> Decision {
        let candidates = policy.candidateRules(for: request.tool).map { policy.rules[$0] }.filter { $0.effect == .permit }
        var reason = "No rule permits '\(request.tool)' for actor '\(request.actor.name)' (default deny)."
        if candidates.isEmpty {
            reason += " The policy has no permit rule for this tool."
        } else {
            let hints = candidates.prefix(3).map { rule -> String in
                var hint = "rule '\(rule.id)'"
                var needs: [String] = []
                if !rule.actorNames.isEmpty { needs.append("actor \(rule.actorNames.joined(separator: "|"))") }
                if !rule.actorRoles.isEmpty { needs.append("role \(rule.actorRoles.joined(separator: "|"))") }
                if !rule.actorUIDs.isEmpty { needs.append("uid \(rule.actorUIDs.map(String.init).joined(separator: "|"))") }
                if let condition = rule.condition { needs.append("when \(condition.trimmingWhitespace())") }
                if !needs.isEmpty { hint += " allows it for " + needs.joined(separator: ", ") }
                return hint
            }
            reason += " Would be allowed by: " + hints.joined(separator: "; ") + "."
        }
        if !pendingReviews.isEmpty {
            reason += " Review rules matched as well, but a review only holds a call that some permit allows, so approval cannot change this."
        }
        let reviewIDs = matched.reviews.map(\.rule.id)
        return Decision(effect: .deny, ruleIDs: [Self.defaultDenyID] + (pendingReviews.isEmpty ? [] : reviewIDs), reasons: [reason] + pendingReviews,
                        facts: factsMattering(candidates + matched.reviews.map(\.rule)), policyRevision: policy.revision)
    }

    /// The first review rule with the highest threshold sets group and threshold;
    /// a reason is required if any matching review rule requires one.
    private func requirement(_ rules: [PolicyRule], reasons: [String]) -> ReviewRequirement {
        let reviews = rules.compactMap { rule in rule.review.map { (rule, $0) } }
        let strictest = reviews.max { $0.1.threshold < $1.1.threshold } ?? (rules[0], PolicyRule.Review(group: "", threshold: 1, reasonRequired: true))
        return ReviewRequirement(group: strictest.1.group, threshold: strictest.1.threshold,
                                 reasonRequired: reviews.contains { $0.1.reasonRequired },
                                 ruleID: strictest.0.id, message: reasons.joined(separator: "\n"))
    }

    private func factsMattering(_ rules: [PolicyRule]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for rule in rules {
            for path in rule.compiled?.referencedPaths ?? [] where path != "args" && !path.hasPrefix("args.") {
                if let value = facts.value(at: path) { out[path] = value.json }
            }
        }
        if facts.unparsed { out["unparsedReasons"] = Value.strings(facts.unparsedReasons).json }
        return out
    }

    private func isTelling(_ value: Value) -> Bool {
        switch value {
        case .bool(let b): b
        case .list(let l): !l.isEmpty
        case .string(let s): !s.isEmpty
        case .map, .record: false
        default: true
        }
    }

    private func shortText(_ value: Value) -> String {
        let text = value.json.canonicalText
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
