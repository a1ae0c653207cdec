import AirlockCore
import Audit

/// What of a run's output goes into the audit trail: an excerpt of each
/// stream and the sha256 of everything the agent received. The full output
/// can be megabytes; recording it whole would make every flood an audit
/// flood (and mask megabytes per call), while the digest still proves
/// exactly what was returned.
enum AuditedOutput {
    static let excerptCharacters = 4096

    static func fields(for result: RunResult) -> [String: JSONValue] {
        var excerpted = result
        excerpted.stdout.text = excerpt(result.stdout.text)
        excerpted.stderr.text = excerpt(result.stderr.text)
        var fields = AuditFields.result(excerpted)
        fields["output_digests"] = .object([
            "stdout_sha256": .string(Digest.sha256Hex(result.stdout.text)),
            "stderr_sha256": .string(Digest.sha256Hex(result.stderr.text)),
            "excerpt_characters": .int(Int64(excerptCharacters)),
        ])
        return fields
    }

    static func excerpt(_ text: String) -> String {
        guard text.count > excerptCharacters else { return text }
        return String(text.prefix(excerptCharacters)) + "…"
    }
}
