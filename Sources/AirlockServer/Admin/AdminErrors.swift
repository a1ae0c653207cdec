import AirlockCore

/// JSON-RPC codes of the admin socket. The approver's tools branch on them,
/// and on the stable `data.code` string (the `AirlockError` code) that every
/// error carries, so a script can tell "not allowed" from "too late".
public enum AdminErrorCode {
    /// The connecting uid may not review this record (not an approver, or
    /// the requester / on-behalf-of principal / owner).
    public static let forbidden = JSONRPCErrorCode.forbidden
    public static let notFound = -32004
    /// The record already left PENDING, or this person already reviewed it.
    public static let conflict = -32009
    public static let expired = -32010
}

extension JSONRPCFailure {
    /// The reply for a store error: the message verbatim (it names the rule,
    /// the person and the fix), a code per kind, the Airlock code as data.
    static func mapping(_ error: any Error, id: JSONValue) -> JSONRPCFailure {
        guard let error = error as? AirlockError else {
            return JSONRPCFailure(JSONRPCErrorCode.internalError, "internal error: \(error)", id: id,
                                  data: .object(["code": .string(AirlockError.Code.internalError.rawValue)]))
        }
        let code: Int
        switch error.code {
        case .forbidden: code = AdminErrorCode.forbidden
        case .notFound: code = AdminErrorCode.notFound
        case .conflict: code = AdminErrorCode.conflict
        case .approvalExpired: code = AdminErrorCode.expired
        // A missing required reason, a malformed id or filter.
        case .invalidArguments: code = JSONRPCErrorCode.invalidParams
        default: code = JSONRPCErrorCode.internalError
        }
        return JSONRPCFailure(code, error.message, id: id, data: .object(["code": .string(error.code.rawValue)]))
    }
}
