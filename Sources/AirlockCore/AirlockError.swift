/// The one error type that crosses module boundaries. `code` is stable and
/// machine-readable (agents and scripts branch on it); `message` is one line
/// a human or a model can act on: what went wrong and, where known, the fix.
public struct AirlockError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        case invalidJSON = "invalid_json"
        case invalidArguments = "invalid_arguments"
        case invalidProfile = "invalid_profile"
        case invalidConfig = "invalid_config"
        case invalidPolicy = "invalid_policy"
        case unknownTool = "unknown_tool"
        case unknownProfile = "unknown_profile"
        /// The host cannot provide a protection the profile requires.
        case unsupportedProtection = "unsupported_protection"
        /// The sandbox could not be set up (the child never ran the command).
        case setupFailed = "setup_failed"
        case commandNotFound = "command_not_found"
        case policyDenied = "policy_denied"
        case approvalDenied = "approval_denied"
        case approvalExpired = "approval_expired"
        case auditUnavailable = "audit_unavailable"
        case credentialInvalid = "credential_invalid"
        case busy
        case cancelled
        case notFound = "not_found"
        case forbidden
        case conflict
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalidJSON(_ detail: String) -> AirlockError { .init(.invalidJSON, "malformed JSON: \(detail)") }
}
