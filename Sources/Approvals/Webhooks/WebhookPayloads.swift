import Foundation
import AirlockCore

/// The bodies POSTed for a new pending record. Both are built from the
/// record's display view, so they carry masked arguments only.
enum WebhookPayloads {
    static func approveCommand(_ id: String) -> String { "airlock approvals approve \(id)" }
    static func denyCommand(_ id: String) -> String { "airlock approvals deny \(id) --reason TEXT" }

    static func body(for record: ApprovalRecord, format: WebhookTarget.Format) -> JSONValue {
        switch format {
        case .slack: slack(record)
        case .generic: generic(record)
        }
    }

    static func generic(_ record: ApprovalRecord) -> JSONValue {
        .object([
            "event": .string(AuditEvent.Kind.approvalRequested.rawValue),
            "approval": record.displayJSON,
            "approve_command": .string(approveCommand(record.id)),
            "deny_command": .string(denyCommand(record.id)),
        ])
    }

    /// Slack incoming-webhook body: `text` is the notification fallback,
    /// `blocks` the message (Block Kit sections, each under Slack's 3000
    /// character limit).
    ///
    /// The tool, arguments, requester, on-behalf-of and reason come from the
    /// agent (and the rule's text from an admin); none may change what the
    /// message's frame says. So each is escaped for mrkdwn, cannot close a
    /// code span or block (`escape`), and the one-line fields cannot start a
    /// line of their own (`oneLine`), where they could forge an "Action" or
    /// "Rule" for the approver to read.
    static func slack(_ record: ApprovalRecord) -> JSONValue {
        let requirement = record.request.requirement
        let arguments = escape(clip(CanonicalJSON.encode(.object(record.request.maskedArguments)), to: 2000))
        let tool = oneLine(record.tool)
        let requester = oneLine("\(record.requester.name) (uid \(record.requester.uid))"
            + (record.shownOnBehalfOf.map { ", on behalf of \($0)" } ?? ""))
        let text = "Approval needed: \(tool) requested by \(requester). "
            + "Approve with `\(approveCommand(record.id))`"
        func mrkdwn(_ text: String) -> JSONValue { .object(["type": "mrkdwn", "text": .string(text)]) }
        func section(_ text: String) -> JSONValue { .object(["type": "section", "text": mrkdwn(text)]) }
        return .object([
            "text": .string(text),
            "blocks": .array([
                .object(["type": "header",
                         "text": .object(["type": "plain_text", "text": .string("Airlock approval needed: \(record.id)")])]),
                section("*Action:* `\(tool)`\n```\(arguments)```"),
                .object(["type": "section", "fields": .array([
                    mrkdwn("*Requester:*\n\(requester)"),
                    mrkdwn("*Reason:*\n\(oneLine(clip(record.shownReason ?? "(none given)", to: 1000)))"),
                    mrkdwn("*Rule:*\n`\(oneLine(requirement.ruleID))` \(oneLine(clip(requirement.message, to: 1000)))"),
                    mrkdwn("*Approvers:*\n\(requirement.threshold) of group `\(oneLine(requirement.group))`"),
                ])]),
                section("Approve:\n```\(approveCommand(record.id))```\nDeny:\n```\(denyCommand(record.id))```"),
                .object(["type": "context", "elements": .array([
                    mrkdwn("action digest `\(record.actionDigest)` · expires \(ApprovalTime.iso8601(record.expiresAt))"),
                ])]),
            ]),
        ])
    }

    /// Slack's mrkdwn treats &, < and > as markup, and a backtick opens or
    /// closes code; a look-alike (U+02CB) keeps the text readable without
    /// that power.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "`", with: "\u{02CB}")
    }

    /// `escape`d, with every line break (CR, LF, VT, FF, NEL, U+2028/9)
    /// shown as " ⏎ ", so the text stays on its field's one line.
    private static func oneLine(_ text: String) -> String {
        escape(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " \u{23CE} "))
    }

    private static func clip(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
