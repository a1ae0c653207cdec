import AirlockCore
import Testing
@testable import Guardrails

/// Cedar-style semantics: default deny, forbid beats permit, review holds,
/// broken policies never load, unparsed input is never allowed by accident.
@Suite struct PolicySemanticsTests {
    let shell = [IntentBinding(extractor: .shell, argument: "command")]

    func policy(_ rules: String, network: String = "") throws -> Policy {
        try Policy.parse(yaml: "version: 1\n\(network)rules:\n\(rules)", source: "test.yaml")
    }

    @Test func noMatchingPermitIsADefaultDenyWithAHint() throws {
        let p = try policy("""
          - { id: permit-ls, effect: permit, match: { tool: run_shell }, condition: 'shell.programs == ["ls"]', reason: listing is fine }
        """)
        let d = p.decide(request("run_shell", ["command": "cat x"], intent: shell))
        #expect(d.effect == .deny)
        #expect(d.ruleIDs == ["builtin:default-deny"])
        #expect(d.reasons[0].contains("permit-ls"))
        #expect(d.reasons[0].contains("shell.programs"))
        #expect(d.facts["shell.programs"] == ["cat"])
        #expect(p.decide(request("other_tool", [:])).effect == .deny)
    }

    @Test func forbidBeatsPermitAndReview() throws {
        let p = try policy("""
          - { id: permit-all, effect: permit, match: { tool: run_shell }, reason: ok }
          - id: hold-sudo
            effect: review
            match: { tool: run_shell }
            condition: shell.privilegeChange
            reason: sudo needs ops
            review: { group: ops, threshold: 2 }
          - { id: no-wipe, effect: forbid, condition: shell.dangerousDelete, reason: never wipe }
        """)
        let d = p.decide(request("run_shell", ["command": "sudo rm -rf /"], intent: shell))
        #expect(d.effect == .deny)
        #expect(d.ruleIDs == ["no-wipe", "hold-sudo", "permit-all"])
        #expect(d.reasons.count == 1)
        #expect(d.reasons[0].contains("never wipe"))
        #expect(d.reasons[0].contains("shell.dangerousDelete = true"))
        #expect(d.facts["shell.dangerousDelete"] == true)
        #expect(d.policyRevision == p.revision)
    }

    @Test func reviewCarriesTheStrictestRequirement() throws {
        let p = try policy("""
          - { id: permit-all, effect: permit, reason: ok }
          - { id: r1, effect: review, condition: shell.privilegeChange, reason: one, review: { group: ops, threshold: 1, reasonRequired: true } }
          - { id: r2, effect: review, condition: shell.systemWrite, reason: two, review: { group: security, threshold: 2 } }
        """)
        let d = p.decide(request("run_shell", ["command": "sudo tee /etc/hosts"], intent: shell))
        #expect(d.effect == .review)
        #expect(d.review == ReviewRequirement(group: "security", threshold: 2, reasonRequired: true, ruleID: "r2", message: d.reasons.joined(separator: "\n")))
        #expect(Set(d.ruleIDs.prefix(2)) == ["r1", "r2"])
        let plain = p.decide(request("run_shell", ["command": "ls"], intent: shell))
        #expect(plain.effect == .allow)
        #expect(plain.review == nil)
    }

    @Test func unparsedInputIsOnlyAllowedByAPermitThatMentionsIt() throws {
        let blind = try policy("  - { id: permit-all, effect: permit, reason: ok }\n")
        let d = blind.decide(request("run_shell", ["command": "echo 'unterminated"], intent: shell))
        #expect(d.effect == .deny)
        #expect(d.ruleIDs.first == "builtin:unparsed-input")
        #expect(d.facts["unparsedReasons"] != nil)
        let aware = try policy("  - { id: permit-even-unparsed, effect: permit, condition: unparsed || !unparsed, reason: ok }\n")
        #expect(aware.decide(request("run_shell", ["command": "echo 'unterminated"], intent: shell)).effect == .allow)
    }

    @Test(arguments: [
        // (permit condition, command, effect): the permit must read the unparsed fact of the extractor that failed.
        ("!network.unparsed", "echo 'unterminated", Decision.Effect.deny),
        ("!sql.unparsed", "echo 'unterminated", .deny),
        ("network.unparsed || !network.unparsed", "echo 'unterminated", .deny),
        ("shell.unparsed || !shell.unparsed", "echo 'unterminated", .allow),
        ("size(unparsedReasons) < 5", "echo 'unterminated", .allow),
        ("shell.unparsed || !shell.unparsed", "curl http:// ; echo 'unterminated", .deny),
        ("(shell.unparsed || !shell.unparsed) && (network.unparsed || !network.unparsed)", "curl http:// ; echo 'unterminated", .allow),
    ])
    func aPermitAcceptsOnlyTheUnparsedInputItReads(condition: String, command: String, effect: Decision.Effect) throws {
        let p = try policy("  - { id: permit-some, effect: permit, condition: '\(condition)', reason: ok }\n")
        let d = p.decide(request("run_shell", ["command": .string(command)], intent: shell))
        #expect(d.effect == effect, "\(d.reasons)")
        if effect == .deny { #expect(d.ruleIDs.first == "builtin:unparsed-input") }
    }

    @Test(arguments: [
        // (tool, arguments, the review rule that matched)
        ("format_disk", ["device": "/dev/sda", "url": "http://evil.example/"] as [String: JSONValue], "any-review-egress"),
        ("export_keys", ["path": "/home/u/.ssh/id_ed25519"], "any-review-secret-read"),
        ("run_shell_unlisted", ["url": "http://169.254.169.254/latest/meta-data/"], "any-review-secret-read"),
    ])
    func aReviewWithoutAPermitIsStillADefaultDeny(tool: String, arguments: [String: JSONValue], review: String) throws {
        let p = try Policy.load(path: TestFiles.defaultPolicy)
        let d = p.decide(request(tool, arguments))
        #expect(d.effect == .deny)
        #expect(d.review == nil)
        #expect(d.ruleIDs.first == "builtin:default-deny")
        #expect(d.ruleIDs.contains(review))
        #expect(d.reasons[0].contains("approval cannot change this"))
        #expect(d.reasons.dropFirst().contains { $0.contains("rule '\(review)'") }, "\(d.reasons)")
        // The same concern on a permitted tool is a review, as before.
        let permitted = p.decide(request("http_get", ["url": "http://evil.example/"]))
        #expect(permitted.effect == .review)
        #expect(permitted.ruleIDs.contains("any-review-egress"))
    }

    @Test func evaluationErrorsCountAsMatchesForForbidButNotForPermit() throws {
        let p = try policy("""
          - { id: permit-small, effect: permit, condition: args.count < 10, reason: small }
          - { id: forbid-odd, effect: forbid, condition: args.mode == "x" || args.mode.startsWith("rm"), reason: odd }
        """)
        // args.mode is missing: the forbid's condition errors, which fails closed.
        let d = p.decide(request("t", ["count": 1]))
        #expect(d.effect == .deny)
        #expect(d.ruleIDs.first == "forbid-odd")
        #expect(d.reasons[0].contains("could not be evaluated"))
        // args.count is a string: the permit's comparison errors, so no permit.
        let p2 = try policy("  - { id: permit-small, effect: permit, condition: args.count < 10, reason: small }\n")
        #expect(p2.decide(request("t", ["count": "many"])).effect == .deny)
        #expect(p2.decide(request("t", ["count": 3])).effect == .allow)
    }

    @Test func actorMatchesOnNameRoleAndUID() throws {
        let p = try policy("""
          - { id: by-name, effect: permit, match: { tool: a, actor: { name: [alice, bob] } }, reason: ok }
          - { id: by-role, effect: permit, match: { tool: b, actor: { role: deployer } }, reason: ok }
          - { id: by-uid, effect: permit, match: { tool: c, actor: { uid: [0, 1000] } }, reason: ok }
          - { id: by-prefix, effect: permit, match: { tool: "git_*" }, reason: ok }
        """)
        let alice = Actor(name: "alice", roles: [], uid: 5, gid: 5, pid: 1)
        let deployer = Actor(name: "x", roles: ["reader", "deployer"], uid: 7, gid: 7, pid: 1)
        #expect(p.decide(request("a", [:], actor: alice)).effect == .allow)
        #expect(p.decide(request("a", [:], actor: deployer)).effect == .deny)
        #expect(p.decide(request("b", [:], actor: deployer)).effect == .allow)
        #expect(p.decide(request("b", [:], actor: alice)).effect == .deny)
        #expect(p.decide(request("c", [:], actor: agent)).effect == .allow)
        #expect(p.decide(request("c", [:], actor: alice)).effect == .deny)
        #expect(p.decide(request("git_log", [:])).effect == .allow)
        #expect(p.decide(request("gitlog", [:])).effect == .deny)
    }

    @Test func revisionIgnoresFormattingButNotMeaning() throws {
        let a = try policy("  - { id: x, effect: permit, reason: ok }\n")
        let b = try Policy.parse(yaml: "# comment\nversion: 1\nrules:\n  - id: x\n    reason: ok\n    effect: permit\n", source: "b")
        let c = try policy("  - { id: x, effect: forbid, reason: ok }\n")
        #expect(a.revision == b.revision)
        #expect(a.revision != c.revision)
        #expect(a.revision.count == 64)
    }

    @Test(arguments: [
        ("rules:\n  - { id: x, effect: allow, reason: r }\n", 2, "effect 'allow'"),
        ("rules:\n  - { id: x, effect: permit }\n", 2, "no 'reason'"),
        ("rules:\n  - id: x\n    effect: permit\n    condtion: sql.drops\n    reason: r\n", 4, "unknown key 'condtion'"),
        ("rules:\n  - { id: x, effect: permit, reason: r }\n  - { id: x, effect: permit, reason: r }\n", 3, "duplicate rule id"),
        ("rules:\n  - { id: x, effect: review, reason: r }\n", 2, "needs 'review"),
        ("rules:\n  - { id: x, effect: permit, reason: r, review: { group: g } }\n", 2, "only applies"),
        ("rules:\n  - id: x\n    effect: forbid\n    reason: r\n    condition: sql.unboundedWrites\n", 5, "has no field 'unboundedWrites'"),
        ("rules:\n  - id: x\n    effect: forbid\n    reason: r\n    condition: actor.uid == \"0\"\n", 5, "cannot compare int with string"),
        ("rules:\n  - id: x\n    effect: forbid\n    reason: r\n    condition: |\n      sql.drops ||\n      sql.nosuch\n", 7, "has no field 'nosuch'"),
        ("rules:\n  - id: x\n    effect: forbid\n    reason: r\n    condition: args.x.matches(\"(\")\n", 5, "invalid regular expression"),
        ("network:\n  allow: [10.0.0.0/33]\nrules: []\n", 2, "CIDR"),
        ("rules:\n  - { id: x, effect: permit, reason: r\n", 3, "YAML syntax"),
        ("version: 2\nrules: []\n", 1, "unsupported version"),
        ("rules:\n  - id: x\n    effect: permit\n    reason: r\n    match: { tool: [] }\n", 5, "match.tool is an empty list, which would match every tool"),
        ("rules:\n  - id: x\n    effect: permit\n    reason: r\n    match:\n      actor: { name: [] }\n", 6, "match.actor.name is an empty list"),
        ("rules:\n  - id: x\n    effect: permit\n    reason: r\n    match:\n      tool: t\n      actor:\n        role: []\n", 8, "match.actor.role is an empty list, which would match every role"),
        ("rules:\n  - id: x\n    effect: permit\n    reason: r\n    match: { actor: { uid: [] } }\n", 5, "match.actor.uid is an empty list"),
    ])
    func brokenPoliciesFailToLoadWithTheirLine(text: String, line: Int, message: String) {
        do {
            _ = try Policy.parse(yaml: text, source: "p.yaml")
            Issue.record("policy loaded but should not have: \(text)")
        } catch let error as AirlockError {
            #expect(error.code == .invalidPolicy)
            #expect(error.message.hasPrefix("p.yaml:\(line): "), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingPolicyFileIsAnErrorNotAnEmptyPolicy() {
        #expect(throws: AirlockError.self) { try Policy.load(path: "/nonexistent/policy.yaml") }
    }

    @Test func decisionsAreStableAcrossThreads() async throws {
        let p = try Policy.load(path: TestFiles.defaultPolicy)
        let r = request("run_shell", ["command": "rm -rf /"], intent: shell)
        let effects = await withTaskGroup(of: Decision.Effect.self) { group in
            for _ in 0..<16 { group.addTask { p.decide(r).effect } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(effects == Array(repeating: .deny, count: 16))
    }
}
