import AirlockCore

/// Turns a call's arguments into what approvers and webhooks may see. The
/// daemon plugs the audit module's masker in here; the record keeps the raw
/// arguments separately (they are what runs), and only this view is shown.
public typealias ApprovalArgumentMasker = @Sendable (ToolCall, ToolDefinition) -> [String: JSONValue]

public enum ApprovalMasking {
    /// Shows the arguments as the agent sent them. Secrets are not among them
    /// (they are injected at run time), so this is safe where no argument is
    /// itself sensitive; choose it explicitly.
    public static let verbatim: ApprovalArgumentMasker = { call, _ in call.arguments }
}
