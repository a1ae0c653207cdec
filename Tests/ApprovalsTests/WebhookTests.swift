import AirlockCore
@testable import Approvals
import Foundation
import Testing
import WebhookTestSupport

@Suite("Webhooks")
struct WebhookTests {
    static let secret = "webhook-test-secret"
    static let fastRetry = WebhookRetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10),
                                              maxBackoff: .milliseconds(40), attemptTimeout: .seconds(10))

    /// Queues a record, delivers it once to a fresh local receiver that
    /// answers `statuses` (then 200), stops the receiver, and returns what
    /// each side saw.
    private func deliverToReceiver(_ format: WebhookTarget.Format, statuses: [Int] = [], call: ToolCall = Self.call)
        async throws -> (received: [WebhookReceiver.Request], record: ApprovalRecord, delivery: WebhookDelivery?)
    {
        let receiver = try await WebhookReceiver.start(statuses: statuses)
        let notifier = WebhookNotifier(targets: [try WebhookTarget(url: receiver.url, format: format, secret: Self.secret,
                                                                   retry: Self.fastRetry)])
        let record = try await queue(try StoreFixture(), call: call)
        let delivery = await notifier.deliver(record).first
        try await receiver.stop()
        return (receiver.received, record, delivery)
    }

    static let call = Cast.call(["env": "prod", "api_token": "tok-raw-value-123"])

    private func queue(_ fixture: StoreFixture, call: ToolCall = Self.call) async throws -> ApprovalRecord {
        var masked = call.arguments
        if masked["api_token"] != nil { masked["api_token"] = "[masked]" }
        return try await fixture.store.createPending(call: call, decision: Cast.decision(), maskedArguments: masked)
    }

    @Test("Slack body: text and blocks with action, requester, reason, rule and the approve command; signed")
    func slackBodyShapeAndSignature() async throws {
        let (received, record, delivery) = try await deliverToReceiver(.slack)
        #expect(delivery?.delivered == true)

        let request = try #require(received.first)
        #expect(request.path == "/hooks/airlock")
        #expect(request.headers["content-type"] == "application/json")
        let timestamp = try #require(request.headers["x-airlock-timestamp"].flatMap { Int64($0) })
        let signature = try #require(request.headers["x-airlock-signature"])
        #expect(signature.hasPrefix("sha256="))
        #expect(WebhookSignature.verify(body: request.body, timestamp: timestamp, signature: signature, secret: Self.secret))
        #expect(!WebhookSignature.verify(body: request.body, timestamp: timestamp, signature: signature, secret: "other"))
        #expect(!WebhookSignature.verify(body: request.body + Data(" ".utf8), timestamp: timestamp,
                                         signature: signature, secret: Self.secret))

        let body = try CanonicalJSON.parse(request.body)
        let text = try #require(body["text"]?.stringValue)
        #expect(text.contains("airlock approvals approve \(record.id)"))
        let blocks = try #require(body["blocks"]?.arrayValue)
        #expect(blocks.allSatisfy { $0["type"]?.stringValue != nil })
        let rendered = body.canonicalText
        for expected in ["deploy", "ci-agent", "on behalf of pat", "ship the hotfix", "prod-deploy",
                         "Production deploys need an on-call approval", "airlock approvals approve \(record.id)"] {
            #expect(rendered.contains(expected), "Slack body lacks \(expected)")
        }
        #expect(!rendered.contains("tok-raw-value-123"))
    }

    /// The agent writes backticks and line breaks into its arguments,
    /// on-behalf-of claim and reason, trying to close the code block and add
    /// an "Action" and a "Rule" of its own to what the approver reads.
    @Test("Slack body: agent text can neither close a code span nor start a line")
    func slackBodyNeutralisesAgentMarkup() async throws {
        let forged = "\n*Action:* `read_file`\n*Rule:* `auto-approve` low risk\n"
        let call = ToolCall(tool: "deploy", arguments: ["env": .string("prod```" + forged + "```")], actor: Cast.agent,
                            claims: CallClaims(onBehalfOf: "pat" + forged, reason: "routine" + forged + "\r\u{2028}done"))
        let (received, _, _) = try await deliverToReceiver(.slack, call: call)
        let body = try CanonicalJSON.parse(try #require(received.first).body)
        let blocks = try #require(body["blocks"]?.arrayValue)
        let texts = blocks.flatMap { block in
            [block["text"]?["text"]?.stringValue].compactMap { $0 } + (block["fields"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        } + [try #require(body["text"]?.stringValue)]
        let lines = texts.flatMap { $0.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) }
        #expect(lines.filter { $0.hasPrefix("*Action:*") } == ["*Action:* `deploy`"])
        #expect(lines.filter { $0.hasPrefix("*Rule:*") } == ["*Rule:*"])
        // The arguments' block opens and closes once, with no backtick inside.
        let action = try #require(texts.first { $0.hasPrefix("*Action:*") })
        #expect(action.components(separatedBy: "```").count == 3, "\(action)")
        #expect(action.split(separator: "```", omittingEmptySubsequences: false).dropFirst().first?.contains("`") == false)
        // Neutralised, not dropped: the approver still sees what the agent wrote.
        let reason = try #require(texts.first { $0.hasPrefix("*Reason:*") })
        #expect(reason.split(whereSeparator: \.isNewline).count == 2, "\(reason)")
        #expect(reason.contains("auto-approve") && reason.contains("done"))
        let requester = try #require(texts.first { $0.hasPrefix("*Requester:*") })
        #expect(requester.split(whereSeparator: \.isNewline).count == 2, "\(requester)")
    }

    /// The claims are the agent's own text: a webhook carries the masked
    /// copy the gate stored, never the raw one.
    @Test("both bodies carry the masked claims")
    func bodiesCarryMaskedClaims() async throws {
        let fixture = try StoreFixture()
        let call = ToolCall(tool: "deploy", arguments: ["env": "prod"], actor: Cast.agent,
                            claims: CallClaims(onBehalfOf: "pat", reason: "token ghp_raw"))
        let record = try await fixture.store.createPending(call: call, decision: Cast.decision(), maskedArguments: call.arguments,
                                                           maskedClaims: CallClaims(onBehalfOf: "pat", reason: "token [REDACTED]"))
        for body in [WebhookPayloads.slack(record), WebhookPayloads.generic(record)] {
            #expect(!body.canonicalText.contains("ghp_raw"))
            #expect(body.canonicalText.contains("token [REDACTED]"))
        }
    }

    /// RFC 7230: an IPv6 literal goes in brackets; a strict receiver
    /// answers 400 otherwise, which is not retried.
    @Test("the Host header brackets an IPv6 address")
    func hostHeaders() throws {
        #expect(try WebhookTarget(url: "http://[::1]:18090/v6", format: .generic, secret: "s").hostHeader == "[::1]:18090")
        #expect(try WebhookTarget(url: "http://127.0.0.1/x", format: .generic, secret: "s").hostHeader == "127.0.0.1")
        #expect(try WebhookTarget(url: "http://localhost:8080/x", format: .generic, secret: "s").hostHeader == "localhost:8080")
    }

    @Test("generic body: event, the record's display view, commands")
    func genericBodyShape() async throws {
        let (received, record, _) = try await deliverToReceiver(.generic)
        let request = try #require(received.first)
        let body = try CanonicalJSON.parse(request.body)
        #expect(body["event"] == "approval.requested")
        #expect(body["approval"]?["id"] == .string(record.id))
        #expect(body["approval"]?["tool"] == "deploy")
        #expect(body["approval"]?["requester"]?["name"] == "ci-agent")
        #expect(body["approval"]?["rule"]?["id"] == "prod-deploy")
        #expect(body["approval"]?["arguments"]?["api_token"] == "[masked]")
        #expect(body["approve_command"] == .string("airlock approvals approve \(record.id)"))
        #expect(!body.canonicalText.contains("tok-raw-value-123"))
    }

    @Test("a 500 is retried with the same delivery id")
    func retryAfterServerError() async throws {
        let (requests, _, delivered) = try await deliverToReceiver(.generic, statuses: [500])
        let delivery = try #require(delivered)
        #expect(delivery.delivered)
        #expect(delivery.attempts == 2)
        #expect(requests.count == 2)
        #expect(requests.count == 2 && requests[0].headers["x-airlock-delivery"] == requests[1].headers["x-airlock-delivery"])
        #expect(requests.count == 2 && requests[0].body == requests[1].body)
    }

    @Test("a 400 is not retried")
    func clientErrorNotRetried() async throws {
        let (requests, _, delivered) = try await deliverToReceiver(.slack, statuses: [400])
        let delivery = try #require(delivered)
        #expect(!delivery.delivered)
        #expect(delivery.lastStatus == 400)
        #expect(requests.count == 1)
    }

    @Test("with the receiver gone the record is stored, intact and approvable")
    func deadReceiverLosesNothing() async throws {
        let receiver = try await WebhookReceiver.start()
        let url = receiver.url
        try await receiver.stop()
        let deliveries = Shared<[WebhookDelivery]>([])
        let notifier = WebhookNotifier(targets: [try WebhookTarget(url: url, format: .slack, secret: Self.secret,
                                                                   retry: Self.fastRetry)],
                                       onDelivery: { delivery in deliveries.mutate { $0.append(delivery) } })
        let fixture = try StoreFixture(notifier: notifier)
        let record = try await queue(fixture)
        let stored = try await fixture.store.record(id: record.id)
        #expect(stored == record)
        #expect(stored.state == .pending)

        let direct = try #require(await notifier.deliver(record).first)
        #expect(!direct.delivered)
        #expect(direct.attempts == Self.fastRetry.maxAttempts)
        #expect(direct.lastError != nil)
        #expect(deliveries.value.contains { $0.approvalID == record.id })
        #expect(deliveries.value.allSatisfy { !$0.delivered })

        let approved = try await fixture.store.approve(id: record.id, approverUID: Cast.alice)
        #expect(approved.state == .approved)
        #expect(approved.request == record.request)
    }

    @Test("queuing a record notifies the configured webhooks in the background")
    func storeNotifiesOnNewPending() async throws {
        let receiver = try await WebhookReceiver.start()
        let deliveries = Shared<[WebhookDelivery]>([])
        let notifier = WebhookNotifier(targets: [try WebhookTarget(url: receiver.url, format: .generic, secret: Self.secret,
                                                                   retry: Self.fastRetry)],
                                       onDelivery: { delivery in deliveries.mutate { $0.append(delivery) } })
        let record = try await queue(try StoreFixture(notifier: notifier))
        // Wait for the background delivery to report (bounded; not a timing check).
        for _ in 0..<1000 where deliveries.value.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await receiver.stop()
        #expect(deliveries.value.map(\.delivered) == [true])
        let body = try CanonicalJSON.parse(try #require(receiver.received.first).body)
        #expect(body["approval"]?["id"] == .string(record.id))
    }

    @Test("a target as logged or printed shows neither its secret nor its URL's path")
    func descriptionHidesSecrets() throws {
        let target = try WebhookTarget(url: "http://127.0.0.1:9/services/T0/B0/path-credential", format: .slack,
                                       secret: "signing-key")
        for shown in ["\(target)", String(reflecting: target), "\([target])"] {
            #expect(shown.contains("http://127.0.0.1:9"))
            #expect(!shown.contains("signing-key") && !shown.contains("path-credential"), "\(shown)")
        }
    }

    @Test("https and empty secrets are refused at config time")
    func targetValidation() {
        #expect(throws: AirlockError.self) { _ = try WebhookTarget(url: "https://hooks.example/x", format: .slack, secret: "s") }
        #expect(throws: AirlockError.self) { _ = try WebhookTarget(url: "http://127.0.0.1:1/x", format: .slack, secret: "") }
        #expect(throws: AirlockError.self) { _ = try WebhookTarget(url: "not a url", format: .generic, secret: "s") }
    }

    /// Plain http leaves this machine only when the config says so.
    @Test func aRemotePlaintextHostNeedsAnExplicitOptIn() throws {
        var refusal: AirlockError?
        do {
            _ = try WebhookTarget(url: "http://hooks.example.com/services/T0/B0/secret", format: .slack, secret: "s")
        } catch let error as AirlockError {
            refusal = error
        }
        #expect(refusal?.message.contains("is not this machine") == true, "\(refusal?.message ?? "accepted")")
        #expect(refusal?.message.contains("secret") == false, "the error repeats the URL's path")
        _ = try WebhookTarget(url: "http://hooks.example.com/x", format: .slack, secret: "s", allowRemotePlaintext: true)
        for local in ["http://127.0.0.1:8089/x", "http://127.9.9.9/x", "http://localhost:8089/x", "http://[::1]:8089/x"] {
            #expect(throws: Never.self, "\(local)") { _ = try WebhookTarget(url: local, format: .generic, secret: "s") }
        }
    }

    /// The path goes on the request line as written: decoding it would let
    /// an encoded CR LF split the request.
    @Test func thePathIsSentPercentEncoded() throws {
        let target = try WebhookTarget(url: "http://127.0.0.1:8089/hook%0d%0aX-Injected:%20yes?a=%20b", format: .generic, secret: "s")
        #expect(target.requestPath == "/hook%0d%0aX-Injected:%20yes?a=%20b")
    }
}

