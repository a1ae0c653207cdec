import AirlockCore
import Testing
@testable import AirlockServer

/// Request ids are keys: the running-call registry, duplicate refusal and
/// cancellation all look calls up by them, and the reply writes them back.
/// A whole number sent as a float is the same id as the integer.
@Suite("JSON-RPC ids")
struct JSONRPCIDTests {
    static func message(_ text: String) throws -> JSONRPCMessage {
        try JSONRPCMessage(try CanonicalJSON.parse(text))
    }

    @Test func aWholeFloatIdIsTheInteger() throws {
        guard case .request(let id, _, _) = try Self.message(#"{"jsonrpc":"2.0","id":7.0,"method":"tools/list"}"#) else {
            Issue.record("not a request")
            return
        }
        #expect(id == .int(7))
        #expect(JSONRPCMessage.canonicalID(.double(7)) == JSONRPCMessage.canonicalID(.int(7)))
    }

    @Test(arguments: [#"{"jsonrpc":"2.0","id":7.5,"method":"x"}"#, #"{"jsonrpc":"2.0","id":1e300,"method":"x"}"#,
                      #"{"jsonrpc":"2.0","id":null,"method":"x"}"#, #"{"jsonrpc":"2.0","id":[1],"method":"x"}"#])
    func otherIdsAreRefused(text: String) {
        #expect(throws: JSONRPCFailure.self) { try Self.message(text) }
    }
}
