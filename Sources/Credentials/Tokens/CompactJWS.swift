import AirlockCore
import Foundation

/// The JWS compact serialization (RFC 7515 §7.1) with the EdDSA algorithm
/// (RFC 8037): `base64url(header).base64url(payload).base64url(signature)`,
/// the signature taken over the first two parts as ASCII.
enum CompactJWS {
    struct Header: Codable, Equatable {
        var alg: String
        var kid: String?
        var typ: String?
    }

    struct Parts {
        var header: Header
        var payload: Data
        var signingInput: Data
        var signature: Data
    }

    static func sign(payload: JSONValue, kid: String, using ring: SigningKeyRing) throws -> String {
        let header = CanonicalJSON.encode(["alg": "EdDSA", "kid": .string(kid), "typ": "JWT"])
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(CanonicalJSON.data(payload))
        let signature = try ring.sign(Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Splits and decodes a token; nil when it is not three base64url parts
    /// with a JSON header.
    static func parse(_ token: String) -> Parts? {
        let pieces = token.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count == 3,
              let headerData = Base64URL.decode(pieces[0]),
              let payload = Base64URL.decode(pieces[1]),
              let signature = Base64URL.decode(pieces[2]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData) else {
            return nil
        }
        return Parts(header: header, payload: payload, signingInput: Data((pieces[0] + "." + pieces[1]).utf8),
                     signature: signature)
    }
}
