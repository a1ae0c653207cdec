import AirlockCore

extension ApprovalRequest {
    /// How the current `decision` for this call, and the tool as the catalog
    /// now defines it, differ from what the approvers were asked; empty when
    /// nothing that matters changed.
    ///
    /// An approval answers one question: may *this* command run under *this*
    /// rule, with this group, threshold and reason rule? When a resume finds
    /// the policy or the tool changed since (an admin tightened the rule,
    /// restarted the daemon with another catalog), the old answer is no
    /// answer to the new question: the resume is refused and the agent asks
    /// again. The policy revision is compared too, so any policy edit ends
    /// the approvals granted under the previous one.
    ///
    /// `requester` is the agent resuming, as the configuration names it
    /// now: roles decide which rule applies and the owner who may not
    /// approve, so a change to either also ends the old approval.
    public func drift(from decision: Decision, toolDigest current: String, requester: Actor) -> [String] {
        guard decision.effect == .review, let now = decision.review else {
            return ["the policy no longer asks for review (\(decision.effect.rawValue))"]
        }
        var changes: [String] = []
        func compare<Value: Equatable>(_ what: String, _ then: Value, _ now: Value, _ show: (Value) -> String) {
            if then != now { changes.append("\(what) \(show(then)) → \(show(now))") }
        }
        let quoted = { (text: String) in "'\(text)'" }
        compare("review rule", requirement.ruleID, now.ruleID, quoted)
        compare("rule ids", ruleIDs.sorted(), decision.ruleIDs.sorted()) { "[" + $0.joined(separator: ", ") + "]" }
        compare("approver group", requirement.group, now.group, quoted)
        compare("threshold", max(1, requirement.threshold), max(1, now.threshold)) { "\($0)" }
        compare("reason required", requirement.reasonRequired, now.reasonRequired) { $0 ? "yes" : "no" }
        compare("policy revision", policyRevision, decision.policyRevision) { String($0.prefix(12)) }
        compare("requester roles", call.actor.roles.sorted(), requester.roles.sorted()) { "[" + $0.joined(separator: ", ") + "]" }
        compare("requester owner", call.actor.owner ?? "none", requester.owner ?? "none", quoted)
        switch toolDigest {
        case nil:
            changes.append("the record predates binding the tool's definition, so it cannot show the command is the one approved")
        case let then? where then != current:
            changes.append("the tool's definition (command, profile or what it enforces, limits...) changed")
        default:
            break
        }
        return changes
    }
}
