import AirlockCore
import Executor

/// Turns a pipeline outcome into an MCP `CallToolResult`: `content` with
/// text a model reads, `structuredContent` with everything (the full run
/// result, or the refusal with its code and decision), and `isError` for a
/// failed run or a refusal.
enum ToolResultEncoding {
    static func encode(_ outcome: CallOutcome) -> JSONValue {
        switch outcome {
        case .completed(let result):
            let structured = (try? JSONValueEncoder.encode(result)) ?? .object([:])
            let failed = result.termination != .exited || result.exitCode != 0
            return .object([
                "content": .array([.object(["type": "text", "text": .string(text(for: result))])]),
                "structuredContent": structured,
                "isError": .bool(failed),
            ])
        case .refused(let error, let decision):
            var refusal: [String: JSONValue] = [
                "status": "refused", "code": .string(error.code.rawValue), "message": .string(error.message),
            ]
            if let decision, let encoded = try? JSONValueEncoder.encode(decision) { refusal["decision"] = encoded }
            return .object([
                "content": .array([.object(["type": "text", "text": .string(refusalText(error))])]),
                "structuredContent": .object(refusal),
                "isError": true,
            ])
        case .pending(let approvalID, let decision):
            var pending: [String: JSONValue] = ["status": "pending", "approval_id": .string(approvalID)]
            if let encoded = try? JSONValueEncoder.encode(decision) { pending["decision"] = encoded }
            let reasons = decision.reasons.joined(separator: "; ")
            return .object([
                "content": .array([.object(["type": "text", "text": .string(
                    "Waiting for a human approval (\(approvalID)): \(reasons). Resume with airlock/approvals/wait "
                        + "or `airlock call --wait \(approvalID)`.")])]),
                "structuredContent": .object(pending),
                "isError": false,
            ])
        }
    }

    /// Output first (what the model wants), then only the facts that change
    /// how to read it: stderr, a non-zero status, a signal, limits, truncation.
    static func text(for result: RunResult) -> String {
        var text = result.stdout.text
        if result.stdout.truncated { text += "\n[stdout truncated: \(result.stdout.totalBytes) bytes written]" }
        if !result.stderr.text.isEmpty {
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += "[stderr]\n" + result.stderr.text
            if result.stderr.truncated { text += "\n[stderr truncated: \(result.stderr.totalBytes) bytes written]" }
        }
        var notes: [String] = []
        switch result.termination {
        case .exited: if let code = result.exitCode, code != 0 { notes.append("exit status \(code)") }
        case .signaled: notes.append("killed by signal \(result.signal ?? 0)")
        case .limitKilled: notes.append("killed by Airlock: limit reached")
        case .cancelled: notes.append("cancelled")
        }
        for hit in result.limitsHit { notes.append("limit \(hit.kind.rawValue) = \(hit.limit) reached (\(hit.evidence))") }
        if let syscall = result.killedBySyscall { notes.append("killed for using the forbidden syscall \(syscall)") }
        if !notes.isEmpty {
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += "[" + notes.joined(separator: "; ") + "]"
        }
        return text
    }

    static func refusalText(_ error: AirlockError) -> String {
        let lead: String
        switch error.code {
        case .policyDenied: lead = "Refused by policy"
        case .approvalDenied: lead = "Approval denied"
        case .approvalExpired: lead = "Approval expired"
        case .invalidArguments: lead = "Invalid arguments"
        case .busy: lead = "Busy"
        case .cancelled: lead = "Cancelled"
        default: lead = "Not run"
        }
        return "\(lead) (\(error.code.rawValue)): \(error.message)"
    }
}
