import AirlockCore
import Executor

/// Turns a pipeline outcome into an MCP `CallToolResult`: `content` with
/// text a model reads, `structuredContent` with everything (the full run
/// result, or the refusal with its code and decision), and `isError` for a
/// failed run or a refusal.
enum ToolResultEncoding {
    /// `replyLimit`: the most a connection may have queued (its outbound
    /// budget); the output is clipped so the reply fits well inside it.
    static func encode(_ outcome: CallOutcome, replyLimit: Int = 16 << 20) -> JSONValue {
        switch outcome {
        case .completed(let full):
            let (result, clipped) = fitting(full, encodedBudget: replyLimit / 3)
            var structured = (try? JSONValueEncoder.encode(result)) ?? .object([:])
            var text = text(for: result)
            if clipped {
                structured = structured.objectValue.map { .object($0.merging(["replyClipped": true]) { _, new in new }) } ?? structured
                text += "\n[output clipped to fit this reply; the run's record has its sizes]"
            }
            let failed = result.termination != .exited || result.exitCode != 0
            return .object([
                "content": .array([.object(["type": "text", "text": .string(text)])]),
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

    /// The result with its output clipped so that, JSON-escaped, stdout and
    /// stderr together take at most `encodedBudget` bytes: the reply holds
    /// them twice (`content` and `structuredContent`), and escaping can make
    /// a control byte six. A reply past the connection's outbound budget
    /// would drop the connection and every other call on it.
    static func fitting(_ result: RunResult, encodedBudget: Int) -> (RunResult, clipped: Bool) {
        let outCost = encodedCost(result.stdout.text), errCost = encodedCost(result.stderr.text)
        guard outCost + errCost > encodedBudget else { return (result, false) }
        // stderr is usually the short explanation: it keeps up to a quarter.
        let errShare = min(errCost, encodedBudget / 4)
        var clipped = result
        for (keyPath, budget) in [(\RunResult.stderr, errShare), (\RunResult.stdout, encodedBudget - errShare)] {
            let text = clipped[keyPath: keyPath].text
            let kept = prefix(of: text, encodedBudget: budget)
            if kept.utf8.count < text.utf8.count {
                clipped[keyPath: keyPath].text = kept
                clipped[keyPath: keyPath].truncated = true
            }
        }
        return (clipped, true)
    }

    /// Bytes `text` takes inside a JSON string, at most (a control byte as \u00XX).
    static func encodedCost(_ text: String) -> Int {
        text.utf8.reduce(0) { $0 + byteCost($1) }
    }

    private static func byteCost(_ byte: UInt8) -> Int {
        byte < 0x20 ? 6 : (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") ? 2 : 1)
    }

    /// The longest prefix of `text` that fits `encodedBudget`, ending between
    /// two Unicode scalars.
    private static func prefix(of text: String, encodedBudget: Int) -> String {
        var cost = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let value = text.unicodeScalars[index].value
            let scalarCost = value < 0x80 ? byteCost(UInt8(value)) : value < 0x800 ? 2 : value < 0x10000 ? 3 : 4
            if cost + scalarCost > encodedBudget { break }
            cost += scalarCost
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end])
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
