import AirlockCore
import Executor

extension CallRegistry.StartResult {
    /// The error a request gets when its call could not be registered; nil
    /// once started.
    func refusalFrame(id: JSONValue, settings: ServerSettings) -> String? {
        let failure: JSONRPCFailure
        switch self {
        case .started:
            return nil
        case .duplicateID:
            failure = JSONRPCFailure(JSONRPCErrorCode.invalidRequest,
                                     "request id \(id.canonicalText) is already in use by a running call", id: id)
        case .tooMany:
            failure = JSONRPCFailure(JSONRPCErrorCode.busy, "busy: this connection already has \(settings.maxCallsPerConnection) "
                + "calls running; wait for one to finish", id: id)
        case .tooManyForUID(let uid):
            failure = JSONRPCFailure(JSONRPCErrorCode.busy, "busy: uid \(uid) already has \(settings.maxCallsPerUID) "
                + "calls running or queued across its connections; wait for one to finish", id: id)
        case .shuttingDown:
            failure = JSONRPCFailure(JSONRPCErrorCode.busy, "busy: the daemon is shutting down and accepts no new calls", id: id)
        }
        return JSONRPCFrame.error(failure)
    }
}
