import AirlockCore
import Foundation

/// What happened to one webhook delivery, for the daemon's log.
public struct WebhookDelivery: Sendable, Hashable {
    public var approvalID: String
    public var url: URL
    public var delivered: Bool
    public var attempts: Int
    /// The last HTTP status seen, if any response came back.
    public var lastStatus: Int?
    /// Why the last attempt failed, when it did.
    public var lastError: String?

    /// The URL without its path, for logs (see `WebhookTarget.endpoint`).
    public var endpoint: String { WebhookTarget.endpoint(of: url) }
}

/// Tells humans a record is waiting. Deliveries are best effort and never
/// on the record's path: the record is committed before any POST starts, a
/// failing hook is retried with exponential backoff and then given up, and
/// no response of any kind can change a record's state.
public final class WebhookNotifier: Sendable {
    public let targets: [WebhookTarget]
    private let onDelivery: (@Sendable (WebhookDelivery) -> Void)?

    /// Each target is retried by its own `retry` policy. `onDelivery` is
    /// called once per target and record with the outcome (log it; do not
    /// approve anything on it).
    public init(targets: [WebhookTarget], onDelivery: (@Sendable (WebhookDelivery) -> Void)? = nil) {
        self.targets = targets
        self.onDelivery = onDelivery
    }

    /// Delivers to every target concurrently and returns when all are done
    /// or given up.
    @discardableResult
    public func deliver(_ record: ApprovalRecord) async -> [WebhookDelivery] {
        await withTaskGroup(of: WebhookDelivery.self) { group in
            for target in targets {
                group.addTask { await self.deliver(record, to: target) }
            }
            var deliveries: [WebhookDelivery] = []
            for await delivery in group {
                onDelivery?(delivery)
                deliveries.append(delivery)
            }
            return deliveries
        }
    }

    /// Starts `deliver` without waiting for it.
    func notifyInBackground(_ record: ApprovalRecord) {
        guard !targets.isEmpty else { return }
        Task.detached { await self.deliver(record) }
    }

    private func deliver(_ record: ApprovalRecord, to target: WebhookTarget) async -> WebhookDelivery {
        let body = CanonicalJSON.data(WebhookPayloads.body(for: record, format: target.format))
        let deliveryID = UUID().uuidString.lowercased()
        var outcome = WebhookDelivery(approvalID: record.id, url: target.url, delivered: false, attempts: 0)
        let retry = target.retry
        for attempt in 1...retry.maxAttempts {
            if attempt > 1 {
                do { try await Task.sleep(for: retry.backoff(beforeAttempt: attempt)) } catch { break }
            }
            outcome.attempts = attempt
            let timestamp = Int64(Date().timeIntervalSince1970)
            let headers = [
                (WebhookSignature.timestampHeader, String(timestamp)),
                (WebhookSignature.signatureHeader, WebhookSignature.sign(body: body, timestamp: timestamp,
                                                                         secret: target.secret)),
                ("X-Airlock-Event", AuditEvent.Kind.approvalRequested.rawValue),
                // The same id on every retry, so a receiver can drop duplicates.
                ("X-Airlock-Delivery", deliveryID),
            ]
            do {
                let status = try await WebhookHTTPPoster.post(to: target, body: body, headers: headers,
                                                              timeout: retry.attemptTimeout)
                outcome.lastStatus = status
                if (200..<300).contains(status) {
                    outcome.delivered = true
                    outcome.lastError = nil
                    return outcome
                }
                outcome.lastError = "HTTP \(status)"
                if !Self.isRetryable(status) { return outcome }
            } catch {
                outcome.lastError = "\(error)"
            }
        }
        return outcome
    }

    /// Server errors, throttling and timeouts may pass; other 4xx mean the
    /// request itself is wrong and repeating it will not help.
    private static func isRetryable(_ status: Int) -> Bool {
        status >= 500 || status == 429 || status == 408
    }
}
