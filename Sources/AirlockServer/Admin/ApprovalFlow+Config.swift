import AirlockCore
import Approvals
import Executor
import Foundation
import Logging

extension ApprovalFlow {
    /// The approval flow exactly as `airlockd` runs it, from the daemon
    /// config and the already composed modules: the queue and admin socket
    /// from `approvers:`, arguments shown to approvers through the audit
    /// store's masker, every state change audited, and each new pending
    /// record posted to the config's `webhooks:`.
    ///
    /// nil when the config has no `approvers:` section: `review` decisions
    /// are then refused (nobody could approve them). Kept in this library,
    /// not the executable, so the end-to-end tests compose the same flow.
    public static func configured(by config: DaemonConfig, modules: DaemonModules, logger: Logger) throws -> ApprovalFlow? {
        let defaultDatabase = (modules.stateDirectory as NSString).appendingPathComponent("approvals.sqlite")
        guard let settings = try ApprovalSettings.parse(config.approvers, configFile: config.file,
                                                        defaultDatabase: defaultDatabase) else { return nil }
        let masker = modules.audit?.masker
        return try ApprovalFlow(
            settings: settings,
            mask: { call, _ in
                guard let masker else { return call.arguments }
                return masker.mask(.object(call.arguments)).objectValue ?? [:]
            },
            notifier: config.webhooks.isEmpty ? nil : WebhookNotifier(targets: config.webhooks, onDelivery: { delivery in
                Self.log(delivery, to: logger)
            }),
            audit: BlockingAuditAppend.sink(modules.audit),
            logger: logger)
    }

    /// One line per record and webhook. The endpoint, not the URL: a webhook
    /// URL's path is often a credential.
    static func log(_ delivery: WebhookDelivery, to logger: Logger) {
        var metadata: Logger.Metadata = [
            "approval_id": "\(delivery.approvalID)", "webhook": "\(delivery.endpoint)",
            "attempts": "\(delivery.attempts)",
        ]
        if let status = delivery.lastStatus { metadata["status"] = "\(status)" }
        if delivery.delivered {
            logger.info("webhook notified", metadata: metadata)
        } else {
            metadata["error"] = "\(delivery.lastError ?? "unknown")"
            logger.error("webhook gave up; the approval stays pending, approvers must be told another way",
                         metadata: metadata)
        }
    }
}
